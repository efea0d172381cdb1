/**
 * The KafkaConnector provider ends a step on evidence, not after a fixed pause, and still catches
 * failing tasks against a real Connect worker: a task that fails in start() fails the create or
 * update that started it (also when the old tasks were RUNNING, and among concurrent applies);
 * a task that fails later shows as FAILED at the next refresh; a refresh of many connectors reads
 * one bulk answer instead of a status and config request per connector.
 */
import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel, Partitioners } from "kafkajs";
import {
    checkConnector,
    kafkaConnectorProvider as provider,
    type ConnectorInputs,
    type ConnectorOutputs,
} from "../../../connectors/kafkaConnector/resource";
import { request } from "../../../connectors/http";
import { forwardTo, HttpStub, type Forwarded } from "../../helpers/httpStub";

const CONNECT_URL = process.env.CONNECT_URL;
const KAFKA_BOOTSTRAP = process.env.KAFKA_BOOTSTRAP;
const skip =
    CONNECT_URL && KAFKA_BOOTSTRAP
        ? false
        : "CONNECT_URL and KAFKA_BOOTSTRAP are not set: run through `npm run test:services`";
if (skip) console.log(`# skipping KafkaConnector evidence tests: ${skip}`);

const SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector";

type Desired = ConnectorInputs & { __provider: string };

async function rejects(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
    try {
        await p;
    } catch (e) {
        return e as Error & Record<string, unknown>;
    }
    assert.fail("expected a failure");
}

async function liveNames(): Promise<string[]> {
    return (await request<string[]>({ method: "GET", url: `${CONNECT_URL}/connectors` })).data;
}

void describe("KafkaConnector waits on evidence against a real Connect worker", { skip }, () => {
    let dir: string;
    let proxy: HttpStub;
    const seen: Forwarded[] = [];

    const desired = (name: string, file: string, over: Record<string, unknown> = {}): Desired => {
        const res = checkConnector({
            connectUrl: proxy.url,
            name,
            config: { "connector.class": SINK, topics: `${name}-lines`, file, "tasks.max": 2 },
            waitTimeoutSeconds: 120,
            ...over,
        });
        assert.deepEqual(res.failures, []);
        return { ...(res.inputs as ConnectorInputs), __provider: "provider-under-test" };
    };

    before(async () => {
        dir = mkdtempSync(join(tmpdir(), "kc-evidence-"));
        proxy = await HttpStub.start();
        proxy.fallback(forwardTo(CONNECT_URL!, seen));
    });
    after(async () => {
        for (const n of await liveNames()) {
            if (n.startsWith("ev-")) {
                await request({
                    method: "DELETE",
                    url: `${CONNECT_URL}/connectors/${n}`,
                    validStatus: [204, 404],
                    retry: { statuses: [409, 500], deadlineMs: 60_000 },
                });
            }
        }
        await proxy?.close();
        rmSync(dir, { recursive: true, force: true });
    });

    void it("fails an update whose new tasks fail in start(), though the old tasks were RUNNING", async () => {
        const ok = (await provider.create(desired("ev-update", join(dir, "a.txt"))))
            .outs as ConnectorOutputs;
        assert.deepEqual(
            ok.tasks.map((t) => t.state),
            ["RUNNING", "RUNNING"],
        );
        const broken = desired("ev-update", join(dir, "missing", "b.txt"));
        const err = await rejects(provider.update!("ev-update", ok, broken));
        assert.match(err.message, /^connector ev-update failed \(connector RUNNING, tasks \[/);
        assert.match(err.message, /Couldn't find or create file/);
        const props = err.properties as ConnectorOutputs;
        assert.equal(props.config.file, join(dir, "missing", "b.txt"));
        assert.ok(props.tasks.some((t) => t.state === "FAILED"));
        // Fixed, the next apply converges from the recorded (failed) state.
        const fixed = await provider.update!(
            "ev-update",
            props,
            desired("ev-update", join(dir, "c.txt")),
        );
        const outs = fixed.outs as ConnectorOutputs;
        assert.equal(outs.connectorState, "RUNNING");
        assert.deepEqual(
            outs.tasks.map((t) => t.state),
            ["RUNNING", "RUNNING"],
        );
        await provider.delete!("ev-update", outs);
    });

    void it("fails exactly the creates whose tasks fail in start(), among 8 concurrent ones", async () => {
        const names = Array.from({ length: 8 }, (_, i) => `ev-many-${i}`);
        const bad = new Set(["ev-many-2", "ev-many-5"]);
        const results = await Promise.all(
            names.map(async (n) => {
                const file = bad.has(n) ? join(dir, "missing", `${n}.txt`) : join(dir, `${n}.txt`);
                try {
                    return {
                        n,
                        outs: (await provider.create(desired(n, file))).outs as ConnectorOutputs,
                    };
                } catch (e) {
                    return { n, err: e as Error & { properties?: ConnectorOutputs } };
                }
            }),
        );
        for (const r of results) {
            if (bad.has(r.n)) {
                assert.match(r.err?.message ?? "(succeeded)", /Couldn't find or create file/, r.n);
            } else {
                assert.equal(r.err, undefined, `${r.n}: ${r.err?.message}`);
                assert.deepEqual(
                    r.outs?.tasks.map((t) => t.state),
                    ["RUNNING", "RUNNING"],
                );
            }
        }
        for (const r of results) await provider.delete!(r.n, (r.outs ?? r.err?.properties)!);
    });

    void it("shows a task that fails after the apply as FAILED at the next refresh", async () => {
        // The worker's JsonConverter expects the {schema, payload} envelope; a bare JSON record
        // fails the task when it arrives, long after the create ended.
        const topic = "ev-later-lines";
        const args = desired("ev-later", join(dir, "later.txt"), {
            config: {
                "connector.class": SINK,
                topics: topic,
                file: join(dir, "later.txt"),
                "tasks.max": 1,
            },
            restartOnFailure: true,
        });
        const outs = (await provider.create(args)).outs as ConnectorOutputs;
        assert.deepEqual(
            outs.tasks.map((t) => t.state),
            ["RUNNING"],
        );
        assert.equal((await provider.diff!("ev-later", outs, args)).changes, false);
        const kafka = new Kafka({ brokers: [KAFKA_BOOTSTRAP!], logLevel: logLevel.NOTHING });
        const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
        await producer.connect();
        try {
            await producer.send({
                topic,
                messages: [{ value: JSON.stringify({ not: "an envelope" }) }],
            });
        } finally {
            await producer.disconnect();
        }
        let read = outs;
        const end = Date.now() + 60_000;
        while (!read.tasks.some((t) => t.state === "FAILED")) {
            assert.ok(Date.now() < end, "the task never failed");
            await new Promise((r) => setTimeout(r, 500));
            read = (await provider.read!("ev-later", read)).props as ConnectorOutputs;
        }
        assert.match(read.tasks[0].trace ?? "", /schema/i);
        // With restartOnFailure the failed task is a change the next `pulumi up` acts on.
        assert.equal((await provider.diff!("ev-later", read, args)).changes, true);
        await provider.delete!("ev-later", read);
    });

    void it("refreshes many connectors from one bulk answer, not a status and config read each", async () => {
        const names = Array.from({ length: 6 }, (_, i) => `ev-read-${i}`);
        const outs = await Promise.all(
            names.map(
                async (n) =>
                    (await provider.create(desired(n, join(dir, `${n}.txt`))))
                        .outs as ConnectorOutputs,
            ),
        );
        const from = seen.length;
        const reads = await Promise.all(names.map((n, i) => provider.read!(n, outs[i])));
        for (const [i, r] of reads.entries()) {
            assert.equal(r.id, names[i]);
            assert.equal((r.props as ConnectorOutputs).connectorState, "RUNNING");
            assert.equal((r.props as ConnectorOutputs).config.file, join(dir, `${names[i]}.txt`));
        }
        const gets = seen.slice(from).map((r) => `${r.method} ${r.path}`);
        // One bulk answer (none when the last create's answer is still fresh enough to reuse).
        assert.ok(gets.filter((g) => g === "GET /connectors").length <= 1, gets.join("\n"));
        assert.deepEqual(
            gets.filter((g) => /\/(status|config)$/.test(g)),
            [],
        );
        for (const [i, n] of names.entries()) await provider.delete!(n, outs[i]);
    });
});
