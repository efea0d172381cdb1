/**
 * KafkaConnector under the real Pulumi engine (Automation API, inline program, file backend)
 * against the real Connect worker: a connector whose task fails is recorded in the state as a
 * partial failure (initErrors) instead of being orphaned, for a failing create and a failing
 * update alike; fixing the config converges on the next `up`; destroy leaves nothing behind; the
 * secret config never reaches the state in plaintext.
 */
import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
    existsSync,
    mkdirSync,
    mkdtempSync,
    readdirSync,
    readFileSync,
    rmSync,
    statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { Stack } from "@pulumi/pulumi/automation";
import { KafkaConnector } from "../../../connectors/kafkaConnector/resource";
import { request } from "../../../connectors/http";
import { cliEnv, engineStack } from "../../../scripts/engine/stack";
import { pulumiSpec, toolBin } from "../../../scripts/engine/tools";

const CONNECT_URL = process.env.CONNECT_URL;
const cli = join(toolBin(pulumiSpec), "pulumi");
const skip = !CONNECT_URL
    ? "CONNECT_URL is not set: run through `npm run test:services`"
    : !existsSync(cli)
      ? `${cli} is missing: run \`npm run engine:build\` to build the Pulumi CLI`
      : false;
if (skip) console.log(`# skipping KafkaConnector engine tests: ${skip}`);

const SECRET = `engine-secret-${randomBytes(6).toString("hex")}`;
const NAME = "engine-partial";

interface StateResource {
    urn: string;
    id?: string;
    initErrors?: string[];
    outputs?: { config?: Record<string, string>; tasks?: { state: string; trace?: string }[] };
}

function filesUnder(dir: string): string[] {
    return readdirSync(dir).flatMap((e) => {
        const p = join(dir, e);
        return statSync(p).isDirectory() ? filesUnder(p) : [p];
    });
}

void describe("KafkaConnector partial failures under the Pulumi engine", { skip }, () => {
    let work: string;
    let stack: Stack;
    let file = "";

    const program = () => {
        const c = new KafkaConnector(NAME, {
            connectUrl: CONNECT_URL!,
            config: { "connector.class": "FileStreamSink", topics: "engine-lines", file },
            sensitiveConfig: { "custom.token": pulumi.secret(SECRET) },
            waitTimeoutSeconds: 60,
        });
        return Promise.resolve({ state: c.connectorState, tasks: c.tasks });
    };

    async function recorded(): Promise<StateResource | undefined> {
        const exported = await stack.exportStack();
        const resources = (exported.deployment as { resources?: StateResource[] }).resources ?? [];
        return resources.find((r) => r.urn.endsWith(`::${NAME}`));
    }

    async function upFails(): Promise<string> {
        try {
            await stack.up();
        } catch (e) {
            return String((e as Error).message);
        }
        assert.fail("pulumi up should have failed");
    }

    async function liveNames(): Promise<string[]> {
        return (await request<string[]>({ method: "GET", url: `${CONNECT_URL}/connectors` })).data;
    }

    before(async () => {
        work = mkdtempSync(join(tmpdir(), "kc-engine-"));
        mkdirSync(join(work, "state"));
        mkdirSync(join(work, "project"));
        // The dynamic-provider host resolves @pulumi/pulumi and axios from NODE_PATH.
        stack = await engineStack({
            stackName: "partial",
            projectName: "kc-engine",
            program,
            workDir: join(work, "project"),
            env: cliEnv(join(work, "state"), true),
        });
    });
    after(async () => {
        await stack?.destroy().catch(() => undefined);
        if (work) rmSync(work, { recursive: true, force: true });
    });

    void it(
        "records a connector whose task fails on create, with its trace",
        { timeout: 300_000 },
        async () => {
            file = join(work, "missing-dir", "out.txt");
            const message = await upFails();
            assert.match(
                message,
                /connector engine-partial failed \(connector RUNNING, tasks \[0:FAILED\]\)/,
            );
            assert.match(message, /Couldn't find or create file/);
            assert.ok(!message.includes(SECRET));
            const r = await recorded();
            assert.equal(r?.id, NAME);
            assert.equal(r?.initErrors?.length, 1);
            assert.deepEqual(
                r?.outputs?.tasks?.map((t) => t.state),
                ["FAILED"],
            );
            assert.ok((await liveNames()).includes(NAME), "the connector exists on the worker");
        },
    );

    void it("converges on the next up once the config is fixed", { timeout: 300_000 }, async () => {
        file = join(work, "out.txt");
        const res = await stack.up();
        assert.equal(res.summary.resourceChanges?.update, 1);
        assert.equal(res.outputs.state.value, "RUNNING");
        const r = await recorded();
        assert.equal(r?.initErrors, undefined);
        assert.equal(r?.outputs?.config?.file, file);
    });

    void it(
        "records the new config of an update whose tasks fail",
        { timeout: 300_000 },
        async () => {
            file = join(work, "missing-again", "out.txt");
            const message = await upFails();
            assert.match(message, /Couldn't find or create file/);
            const r = await recorded();
            assert.equal(r?.initErrors?.length, 1);
            assert.equal(r?.outputs?.config?.file, file);
            file = join(work, "out.txt");
            const res = await stack.up();
            assert.equal(res.outputs.state.value, "RUNNING");
        },
    );

    void it("never writes the secret config to the state in plaintext", () => {
        const leaks = filesUnder(join(work, "state")).filter((f) =>
            readFileSync(f, "utf8").includes(SECRET),
        );
        assert.deepEqual(leaks, []);
    });

    void it("destroys the connector", { timeout: 300_000 }, async () => {
        await stack.destroy();
        assert.ok(!(await liveNames()).includes(NAME), "the connector is gone from the worker");
    });
});
