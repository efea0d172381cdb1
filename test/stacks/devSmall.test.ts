import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import * as yaml from "js-yaml";
import { recorded } from "../helpers/mocks";
import { runStack } from "../helpers/stack";
import { SMALL_MACHINE_CONFIG } from "../../scripts/dev/settings";
import { describeSizing, stackSizing } from "../../scripts/dev/sizing";

/** Pulumi.dev.yaml's config with `npm run dev:up -- --small`'s keys set, as the CLI would. */
function smallOverrides(): Record<string, unknown> {
    const root = path.join(__dirname, "..", "..");
    const file = yaml.load(readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8")) as {
        config: Record<string, Record<string, unknown>>;
    };
    const out: Record<string, Record<string, unknown>> = {};
    for (const [key, value] of Object.entries(SMALL_MACHINE_CONFIG)) {
        const [top, leaf] = key.split(".");
        const full = `ingest-platform:${top}`;
        out[full] = { ...(out[full] ?? file.config[full] ?? {}), [leaf]: value };
    }
    return out;
}

describe("dev stack with --small", () => {
    before(async () => {
        await runStack("dev", { overrides: smallOverrides() });
    });

    it("deploys no ksqlDB, console or Sqoop workload", () => {
        const names = recorded
            .filter((r) => /:(apps\/v1:Deployment|batch\/v1:Job|batch\/v1:CronJob)$/.test(r.type))
            .map((r) => r.name)
            .sort();
        assert.deepEqual(names, ["connect", "flume-cars", "flume-unorganized", "hdfs-httpfs"]);
    });

    it("states its sizing in the README as the pods request it", () => {
        const d = describeSizing(stackSizing(recorded));
        console.log(`dev --small sizing: requests ${d.requests}; limits ${d.limits}`);
        const readme = readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
        assert.ok(
            readme.includes(`requests ${d.requests}; limits ${d.limits}`),
            `README should state: requests ${d.requests}; limits ${d.limits}`,
        );
    });
});
