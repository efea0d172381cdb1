import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { riskySteps, summaryMarkdown, withSummary } from "../../scripts/ci/previewSummary";

// The shape of `pulumi preview` text output (non-interactive, no --diff), colours included.
const output = [
    "Previewing update (dev):",
    "     Type                                 Name                      Plan                  Info",
    "     pulumi:pulumi:Stack                  ingest-platform-dev",
    "     ├─ ingest:components:Kafka           kafka",
    " +-  │  ├─ kubernetes:core/v1:Secret      kafka-kraft               replace               [diff: ~stringData]",
    " ~   │  ├─ kubernetes:apps/v1:StatefulSet kafka-controller          update                [diff: ~spec]",
    " ++  │  └─ kubernetes:core/v1:ConfigMap   kafka-controller-config   create-replacement    [diff: ~data]",
    " -   └─ pulumi-nodejs:dynamic:Resource    connector-old             \u001b[31mdelete\u001b[0m",
    "",
    "Resources:",
    "    ~ 1 to update",
    "    +-2 to replace",
    "    - 1 to delete",
].join("\n");

describe("previewSummary", () => {
    it("lists replacements and deletes from the preview table, once each", () => {
        assert.deepEqual(riskySteps(output), [
            { op: "replace", type: "kubernetes:core/v1:Secret", name: "kafka-kraft" },
            {
                op: "replace",
                type: "kubernetes:core/v1:ConfigMap",
                name: "kafka-controller-config",
            },
            { op: "delete", type: "pulumi-nodejs:dynamic:Resource", name: "connector-old" },
        ]);
    });

    it("says so in one line when nothing is replaced or deleted", () => {
        assert.match(
            summaryMarkdown(riskySteps("     pulumi:pulumi:Stack  x\n")),
            /No replacements/,
        );
    });

    it("counts the risky steps at the top", () => {
        const md = summaryMarkdown(riskySteps(output));
        assert.match(md, /2 to replace, 1 to delete/);
        assert.match(md, /- delete `connector-old` \(pulumi-nodejs:dynamic:Resource\)/);
    });

    it("keeps the action's heading first and replaces an earlier summary", () => {
        const heading = "#### :tropical_drink: `preview` on ingest-platform/dev";
        const body = `${heading}\n\n<details>\n<summary>Pulumi report</summary>\n</details>`;
        const once = withSummary(body, heading, summaryMarkdown([]));
        const twice = withSummary(once, heading, summaryMarkdown(riskySteps(output)));
        assert.ok(twice.startsWith(`${heading}\n\n<!-- ingest-preview-summary -->`));
        assert.doesNotMatch(twice, /No replacements/);
        assert.equal(twice.match(/<summary>Pulumi report<\/summary>/g)?.length, 1);
    });
});
