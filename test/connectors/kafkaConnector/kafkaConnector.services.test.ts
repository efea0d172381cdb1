import { after, afterEach, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
    checkConnector,
    kafkaConnectorProvider as provider,
    type ConnectorInputs,
    type ConnectorOutputs,
} from "../../../connectors/kafkaConnector/resource";
import { request } from "../../../connectors/http";
import { forwardTo, HttpStub, type Forwarded } from "../../helpers/httpStub";
import {
    restartConnectWorker,
    startExtraConnectWorker,
    stopExtraConnectWorker,
} from "../../../scripts/services/control";

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

    void describe("faults", () => {
        interface LiveConnector {
            info: { config: Record<string, string> };
            status: {
                connector: { state: string; worker_id: string };
                tasks: { state: string; worker_id: string }[];
            };
        }
        const faultArgs = (name: string, round: number) => ({
            name,
            config: {
                "connector.class": SINK,
                topics: "fault-lines",
                file: join(dir, `${name}-${round}.txt`),
                "tasks.max": 2,
            },
            sensitiveConfig: { "custom.token": `${SECRET}-${name}` },
            // Shorter than the default hold so update rounds come often enough to meet the
            // short rebalance windows.
            settleSeconds: 0.25,
        });

        async function liveByPrefix(prefix: string): Promise<Record<string, LiveConnector>> {
            const all = (await live("/connectors?expand=status&expand=info")).data as Record<
                string,
                LiveConnector
            >;
            return Object.fromEntries(Object.entries(all).filter(([n]) => n.startsWith(prefix)));
        }

        /**
         * Creates the connectors (unless `prior` holds them), then applies update rounds in
         * parallel, as `pulumi up` would, until the fault has resolved and 3 s more have passed.
         */
        async function applyDuring(
            url: string,
            names: string[],
            fault: Promise<unknown>,
            prior?: { outs: Record<string, ConnectorOutputs>; rounds: number },
        ): Promise<{ outs: Record<string, ConnectorOutputs>; rounds: number; ms: number }> {
            const t0 = Date.now();
            let faultDoneAt: number | undefined;
            const settled = fault.then(() => (faultDoneAt = Date.now()));
            const done = () => faultDoneAt !== undefined && Date.now() - faultDoneAt > 3_000;
            const outs: Record<string, ConnectorOutputs> = { ...prior?.outs };
            // An apply that starts while the worker is down (it has not answered once in that call)
            // fails naming the URL, as a wrong URL would: after 15 s of refused connections or 60 s
            // of a starting worker's 404; the user's next `pulumi up` goes on. An apply that
            // reached the worker waits a restart out until its deadline.
            const again = async <T>(apply: () => Promise<T>): Promise<T> => {
                for (;;) {
                    try {
                        return await apply();
                    } catch (e) {
                        const msg = (e as Error).message;
                        if (
                            !/: (cannot reach Kafka Connect at |.* answered 404 with a page that is not Kafka Connect's JSON .* for \d+s: a worker that never finished starting)/.test(
                                msg,
                            )
                        )
                            throw e;
                    }
                }
            };
            if (!prior) {
                await Promise.all(
                    names.map(async (n) => {
                        const news = desired(url, faultArgs(n, 0));
                        outs[n] = (await again(() => provider.create(news)))
                            .outs as ConnectorOutputs;
                    }),
                );
            }
            let rounds = prior?.rounds ?? 0;
            while (!done()) {
                rounds++;
                await Promise.all(
                    names.map(async (n) => {
                        const news = desired(url, faultArgs(n, rounds));
                        outs[n] = (await again(() => provider.update!(n, outs[n], news)))
                            .outs as ConnectorOutputs;
                    }),
                );
            }
            await settled;
            return { outs, rounds, ms: Date.now() - t0 };
        }

        // A failed fault test must not leave a second worker or its connectors to the next one.
        afterEach(async () => {
            await stopExtraConnectWorker();
            for (const n of await connectorNames()) {
                if (/^(join|restart|refused)-/.test(n)) {
                    await request({
                        method: "DELETE",
                        url: `${CONNECT_URL}/connectors/${n}`,
                        validStatus: [204, 404],
                        retry: { statuses: [409, 500], deadlineMs: 60_000 },
                    });
                }
            }
        });

        /**
         * Exactly the expected connectors exist with exactly the last applied config (nothing
         * lost, nothing duplicated), and all of them run: tasks may still be moving between
         * workers after the apply (a cooperative rebalance revokes, then reassigns), so the
         * states are awaited, without any further apply.
         */
        async function assertConverged(prefix: string, names: string[], rounds: number) {
            const found = await liveByPrefix(prefix);
            assert.deepEqual(Object.keys(found).sort(), [...names].sort());
            for (const n of names) {
                const want = faultArgs(n, rounds);
                assert.deepEqual(found[n].info.config, {
                    ...want.config,
                    "tasks.max": "2",
                    ...want.sensitiveConfig,
                    name: n,
                });
            }
            await eventually(`${names.join(", ")} and their tasks run`, async () => {
                const now = await liveByPrefix(prefix);
                return names.every(
                    (n) =>
                        now[n]?.status.connector.state === "RUNNING" &&
                        now[n].status.tasks.length === 2 &&
                        now[n].status.tasks.every((t) => t.state === "RUNNING"),
                );
            });
        }

        function tally(from: number): Record<string, number> {
            const by: Record<string, number> = {};
            for (const r of seen.slice(from)) {
                if (r.status >= 200 && r.status < 300) continue;
                const key = `${r.status} ${r.message ?? ""}`.trim().slice(0, 90);
                by[key] = (by[key] ?? 0) + 1;
            }
            return by;
        }

        /** 409 conflicts and 500 "rebalance is expected" answers the provider retried since `from`. */
        function rebalanceAnswers(from: number): number {
            return seen
                .slice(from)
                .filter((r) => r.status >= 409 && /rebalance|conflicting/i.test(r.message ?? ""))
                .length;
        }

        void it(
            "converges when a second worker joins and later leaves during applies",
            { timeout: 600_000 },
            async (t) => {
                const names = ["join-a", "join-b", "join-c", "join-d"];
                const from = seen.length;
                // Rebalance windows are short; join and leave again (up to 3 times) until the
                // applies have met at least one, so the retry path is really exercised.
                let state: { outs: Record<string, ConnectorOutputs>; rounds: number } | undefined;
                for (
                    let cycle = 1;
                    cycle <= 3 && (cycle === 1 || rebalanceAnswers(from) === 0);
                    cycle++
                ) {
                    const mark = seen.length;
                    let extraUrl = "";
                    const joined = startExtraConnectWorker().then((r) => (extraUrl = r.url));
                    const join = await applyDuring(proxy.url, names, joined, state);
                    await assertConverged("join-", names, join.rounds);
                    const extraId = extraUrl.replace("http://", "");
                    await eventually("the group rebalanced work onto the new worker", async () => {
                        const found = await liveByPrefix("join-");
                        return Object.values(found).some(
                            (c) =>
                                c.status.connector.worker_id === extraId ||
                                c.status.tasks.some((x) => x.worker_id === extraId),
                        );
                    });
                    t.diagnostic(
                        `cycle ${cycle} join: ${join.rounds - (state?.rounds ?? 0)} update rounds ` +
                            `in ${join.ms} ms; non-2xx answers seen: ${JSON.stringify(tally(mark))}`,
                    );
                    const mid = seen.length;
                    const left = await applyDuring(
                        proxy.url,
                        names,
                        stopExtraConnectWorker(),
                        join,
                    );
                    await assertConverged("join-", names, left.rounds);
                    t.diagnostic(
                        `cycle ${cycle} leave: ${left.rounds - join.rounds} update rounds in ` +
                            `${left.ms} ms; non-2xx answers seen: ${JSON.stringify(tally(mid))}`,
                    );
                    state = left;
                }
                const retried = rebalanceAnswers(from);
                t.diagnostic(`rebalance answers (409/500) retried in total: ${retried}`);
                assert.ok(retried > 0, "no rebalance answer was seen: the fault was not exercised");
                for (const n of names) await provider.delete!(n, state!.outs[n]);
                assert.deepEqual(Object.keys(await liveByPrefix("join-")), []);
            },
        );
        void it(
            "converges when the worker restarts in the middle of an apply",
            { timeout: 300_000 },
            async (t) => {
                const names = ["restart-a", "restart-b", "restart-c"];
                const from = seen.length;
                const restarted = new Promise((r) => setTimeout(r, 300)).then(() =>
                    restartConnectWorker(),
                );
                const res = await applyDuring(proxy.url, names, restarted);
                await assertConverged("restart-", names, res.rounds);
                t.diagnostic(
                    `restart via proxy: ${res.rounds} update rounds in ${res.ms} ms; non-2xx seen: ${JSON.stringify(tally(from))}`,
                );
                for (const n of names) await provider.delete!(n, res.outs[n]);
            },
        );

        void it(
            "waits through connection refused while the worker restarts (no proxy)",
            { timeout: 300_000 },
            async (t) => {
                const names = ["refused-a", "refused-b"];
                const restarted = new Promise((r) => setTimeout(r, 300)).then(() =>
                    restartConnectWorker(),
                );
                const res = await applyDuring(CONNECT_URL!, names, restarted);
                await assertConverged("refused-", names, res.rounds);
                t.diagnostic(`restart direct: ${res.rounds} update rounds in ${res.ms} ms`);
                for (const n of names) await provider.delete!(n, res.outs[n]);
            },
        );
    });
});
