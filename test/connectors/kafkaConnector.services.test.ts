import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
    checkConnector,
    kafkaConnectorProvider as provider,
    type ConnectorInputs,
    type ConnectorOutputs,
} from "../../connectors/kafkaConnector";
import { request } from "../../connectors/http";
import { forwardTo, HttpStub, type Forwarded } from "../helpers/httpStub";

const CONNECT_URL = process.env.CONNECT_URL;
const KAFKA_BOOTSTRAP = process.env.KAFKA_BOOTSTRAP;
const skip =
    CONNECT_URL && KAFKA_BOOTSTRAP
        ? false
        : "CONNECT_URL and KAFKA_BOOTSTRAP are not set: run through `npm run test:services`, " +
          "which starts Kafka and a Connect worker locally";
if (skip) console.log(`# skipping KafkaConnector real-service tests: ${skip}`);

const SECRET = "s3cr3t-value-for-tests";
const SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector";
const SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector";

type Desired = ConnectorInputs & { __provider: string };

function desired(url: string, over: Record<string, unknown>): Desired {
    const res = checkConnector({ connectUrl: url, waitTimeoutSeconds: 120, ...over });
    assert.deepEqual(res.failures, []);
    return { ...(res.inputs as ConnectorInputs), __provider: "provider-under-test" };
}

async function live(path: string): Promise<{ status: number; data: unknown }> {
    return request({ method: "GET", url: `${CONNECT_URL}${path}`, validStatus: [200, 404] });
}

async function liveConfig(name: string): Promise<Record<string, string> | undefined> {
    const res = await live(`/connectors/${name}/config`);
    return res.status === 200 ? (res.data as Record<string, string>) : undefined;
}

async function connectorNames(): Promise<string[]> {
    return ((await live("/connectors")).data as string[]).sort();
}

async function eventually(what: string, check: () => Promise<boolean> | boolean, ms = 60_000) {
    const end = Date.now() + ms;
    while (!(await check())) {
        if (Date.now() > end) assert.fail(`timed out waiting until ${what}`);
        await new Promise((r) => setTimeout(r, 250));
    }
}

async function rejects(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
    try {
        await p;
    } catch (e) {
        return e as Error & Record<string, unknown>;
    }
    assert.fail("expected a failure");
}

void describe("KafkaConnector against a real Connect worker", { skip }, () => {
    let dir: string;
    let proxy: HttpStub;
    const seen: Forwarded[] = [];

    before(async () => {
        dir = mkdtempSync(join(tmpdir(), "kc-services-"));
        proxy = await HttpStub.start();
        proxy.fallback(forwardTo(CONNECT_URL!, seen));
    });
    after(async () => {
        await proxy?.close();
        rmSync(dir, { recursive: true, force: true });
    });

    void describe("lifecycle", () => {
        let sink: ConnectorOutputs;
        let source: ConnectorOutputs;
        const sinkArgs = () => ({
            name: "lc-sink",
            config: {
                "connector.class": SINK,
                topics: "lc-lines",
                file: join(dir, "out.txt"),
                "tasks.max": 1,
            },
            sensitiveConfig: { "custom.token": SECRET },
        });
        const sourceArgs = () => ({
            name: "lc-source",
            config: {
                "connector.class": SOURCE,
                topic: "lc-lines",
                file: join(dir, "in.txt"),
                "tasks.max": 1,
            },
        });

        void it("creates a FileStream source and sink that move a line end to end", async () => {
            appendFileSync(join(dir, "in.txt"), "");
            source = (await provider.create(desired(proxy.url, sourceArgs())))
                .outs as ConnectorOutputs;
            sink = (await provider.create(desired(proxy.url, sinkArgs()))).outs as ConnectorOutputs;
            assert.equal(source.connectorType, "source");
            assert.equal(sink.connectorType, "sink");
            assert.equal(sink.connectorState, "RUNNING");
            assert.deepEqual(
                sink.tasks.map((t) => t.state),
                ["RUNNING"],
            );
            assert.ok(!JSON.stringify(sink).includes(SECRET));
            assert.equal((await liveConfig("lc-sink"))?.["custom.token"], SECRET);
            appendFileSync(join(dir, "in.txt"), "hello-from-source\n");
            await eventually(
                "the sink wrote the line",
                () =>
                    existsSync(join(dir, "out.txt")) &&
                    readFileSync(join(dir, "out.txt"), "utf8").includes("hello-from-source"),
            );
            const read = await provider.read!("lc-sink", sink);
            assert.deepEqual((read.props as ConnectorOutputs).topics, ["lc-lines"]);
        });

        void it("shows no diff for an unchanged program, before and after a refresh", async () => {
            const before = await provider.diff!("lc-sink", sink, desired(proxy.url, sinkArgs()));
            assert.equal(before.changes, false);
            const read = await provider.read!("lc-sink", sink);
            sink = read.props as ConnectorOutputs;
            const after = await provider.diff!("lc-sink", sink, desired(proxy.url, sinkArgs()));
            assert.equal(after.changes, false);
        });

        void it("updates config in place", async () => {
            const args = sinkArgs();
            args.config.file = join(dir, "out2.txt");
            const news = desired(proxy.url, args);
            assert.equal((await provider.diff!("lc-sink", sink, news)).changes, true);
            sink = (await provider.update!("lc-sink", sink, news)).outs as ConnectorOutputs;
            assert.equal(sink.config.file, join(dir, "out2.txt"));
            assert.equal((await liveConfig("lc-sink"))?.file, join(dir, "out2.txt"));
            assert.equal((await liveConfig("lc-sink"))?.["custom.token"], SECRET);
        });

        void it("pauses, stops and resumes", async () => {
            const args = {
                ...sinkArgs(),
                config: { ...sinkArgs().config, file: join(dir, "out2.txt") },
            };
            for (const state of ["PAUSED", "STOPPED", "RUNNING"]) {
                sink = (
                    await provider.update!("lc-sink", sink, desired(proxy.url, { ...args, state }))
                ).outs as ConnectorOutputs;
                assert.equal(sink.connectorState, state);
                const status = (await live("/connectors/lc-sink/status")).data as {
                    connector: { state: string };
                    tasks: { state: string }[];
                };
                assert.equal(status.connector.state, state);
                assert.deepEqual(
                    status.tasks.map((t) => t.state),
                    state === "STOPPED" ? [] : [state],
                );
            }
        });

        void it("restarts the connector and its tasks when the nonce changes", async () => {
            const args = {
                ...sinkArgs(),
                config: { ...sinkArgs().config, file: join(dir, "out2.txt") },
            };
            const from = seen.length;
            sink = (
                await provider.update!(
                    "lc-sink",
                    sink,
                    desired(proxy.url, { ...args, restartNonce: "1" }),
                )
            ).outs as ConnectorOutputs;
            const restarts = seen
                .slice(from)
                .filter((r) => r.path === "/connectors/lc-sink/restart");
            assert.deepEqual(
                restarts.map((r) => r.status),
                [202],
            );
            assert.equal(sink.connectorState, "RUNNING");
        });

        void it("shows an out-of-band edit as drift after a read, and the update restores the config", async () => {
            const args = {
                ...sinkArgs(),
                restartNonce: "1",
                config: { ...sinkArgs().config, file: join(dir, "out2.txt") },
            };
            const edited = {
                ...(await liveConfig("lc-sink"))!,
                file: join(dir, "tampered.txt"),
                "extra.key": "x",
            };
            await request({
                method: "PUT",
                url: `${CONNECT_URL}/connectors/lc-sink/config`,
                data: edited,
                headers: { "Content-Type": "application/json" },
            });
            await request({
                method: "PUT",
                url: `${CONNECT_URL}/connectors/lc-sink/pause`,
                validStatus: [202],
            });
            await eventually("the pause lands", async () => {
                const s = (await live("/connectors/lc-sink/status")).data as {
                    connector: { state: string };
                };
                return s.connector.state === "PAUSED";
            });
            const read = await provider.read!("lc-sink", sink);
            const drifted = read.props as ConnectorOutputs;
            assert.equal(drifted.config.file, join(dir, "tampered.txt"));
            assert.equal(drifted.config["extra.key"], undefined);
            assert.equal(drifted.connectorState, "PAUSED");
            const news = desired(proxy.url, args);
            assert.equal((await provider.diff!("lc-sink", drifted, news)).changes, true);
            sink = (await provider.update!("lc-sink", drifted, news)).outs as ConnectorOutputs;
            const restored = await liveConfig("lc-sink");
            assert.equal(restored?.file, join(dir, "out2.txt"));
            assert.equal(restored?.["extra.key"], undefined);
            assert.equal(sink.connectorState, "RUNNING");
            assert.equal((await provider.diff!("lc-sink", sink, news)).changes, false);
        });

        void it("reports a connector deleted out of band as gone", async () => {
            await request({ method: "DELETE", url: `${CONNECT_URL}/connectors/lc-source` });
            await eventually(
                "the worker forgets lc-source",
                async () => (await liveConfig("lc-source")) === undefined,
            );
            const read = await provider.read!("lc-source", source);
            assert.equal(read.id, "");
            await provider.delete!("lc-source", source);
        });

        void it("fails on a task that cannot write its file, with the trace, and records the connector", async () => {
            const news = desired(proxy.url, {
                name: "lc-broken",
                config: {
                    "connector.class": SINK,
                    topics: "lc-lines",
                    file: join(dir, "missing-dir", "x.txt"),
                },
                waitTimeoutSeconds: 60,
            });
            const err = await rejects(provider.create(news));
            assert.match(
                err.message,
                /^connector lc-broken failed \(connector RUNNING, tasks \[0:FAILED\]\):\ntask 0: /,
            );
            assert.match(err.message, /Couldn't find or create file/);
            assert.equal(err.id, "lc-broken");
            const props = err.properties as ConnectorOutputs & { __provider: string };
            assert.equal(props.__provider, "provider-under-test");
            assert.equal(props.tasks[0].state, "FAILED");
            assert.match(props.tasks[0].trace ?? "", /NoSuchFileException/);
            await provider.delete!("lc-broken", props);
            assert.equal(await liveConfig("lc-broken"), undefined);
        });

        void it("deletes, and a second delete of the same connector succeeds (404)", async () => {
            await provider.delete!("lc-sink", sink);
            assert.equal(await liveConfig("lc-sink"), undefined);
            await provider.delete!("lc-sink", sink);
            assert.deepEqual(
                (await connectorNames()).filter((n) => n.startsWith("lc-")),
                [],
            );
        });
    });
});
