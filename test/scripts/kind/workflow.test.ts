/**
 * The GitHub Actions kind job runs the same suite as `npm run test:kind` here, on upstream images:
 * the workflow, package.json, the suite's image-source switch and the pinned versions agree.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import * as yaml from "js-yaml";
import { pulumiCliVersion } from "../../../scripts/engine/tools";
import { kindVersion } from "../../../scripts/kind/goTools";
import { imageSourceOf, upstreamBases } from "../../../scripts/kind/images";

const root = join(__dirname, "../../..");

interface Step {
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
}

const workflow = yaml.load(readFileSync(join(root, ".github/workflows/kind.yml"), "utf8")) as {
    on: Record<string, unknown>;
    jobs: Record<string, { "runs-on": string; steps: Step[] }>;
};
const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);
const action = (name: string) => steps.find((s) => s.uses?.split("@")[0] === name);

void describe("GitHub Actions kind job", () => {
    void it("runs the suite through the same npm script, on upstream images", () => {
        const runs = steps.filter((s) => s.run?.includes("test:kind"));
        assert.equal(runs.length, 1, "one step runs the kind suite");
        assert.equal(runs[0].run?.trim(), "npm run test:kind");
        assert.equal(runs[0].env?.KIND_IMAGES, "upstream");
        const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
            scripts: Record<string, string>;
        };
        assert.equal(pkg.scripts["test:kind"], "node --import tsx scripts/kind/suite.ts");
    });

    void it("installs kind and the Pulumi CLI at the versions the suite pins, after npm ci", () => {
        const kind = action("helm/kind-action");
        assert.equal(kind?.with?.version, `v${kindVersion}`);
        // The suite creates (and deletes) the cluster from scripts/kind-config.yaml itself.
        assert.equal(kind?.with?.install_only, true);
        assert.equal(String(action("pulumi/actions")?.with?.["pulumi-version"]), pulumiCliVersion);
        const order = (pred: (s: Step) => boolean) => steps.findIndex(pred);
        assert.ok(
            order((s) => s.run?.startsWith("npm ci") ?? false) <
                order((s) => s.run?.includes("test:kind") ?? false),
        );
        assert.ok(action("actions/setup-java"), "the services harness runs Kafka on a JDK");
    });

    void it("runs on pull requests and pushes to main", () => {
        assert.ok("pull_request" in workflow.on);
        assert.deepEqual((workflow.on.push as { branches: string[] }).branches, ["main"]);
    });
});

void describe("kind image source", () => {
    void it("is local unless KIND_IMAGES says upstream, and names the variable otherwise", () => {
        assert.equal(imageSourceOf(undefined), "local");
        assert.equal(imageSourceOf("local"), "local");
        assert.equal(imageSourceOf("upstream"), "upstream");
        assert.throws(() => imageSourceOf("docker"), /KIND_IMAGES=docker: must be "local"/);
    });

    void it("builds upstream on the bases the Dockerfiles pin as their defaults", () => {
        for (const component of ["hdfs", "flume", "sqoop"]) {
            const dockerfile = readFileSync(
                join(root, "components/platform", component, "Dockerfile"),
                "utf8",
            );
            const defaults = [...dockerfile.matchAll(/^ARG (\w+_IMAGE)=(\S+)$/gm)];
            assert.ok(defaults.length >= 2, component);
            for (const [, arg, image] of defaults) {
                assert.equal(upstreamBases[arg as keyof typeof upstreamBases], image, component);
            }
        }
    });
});
