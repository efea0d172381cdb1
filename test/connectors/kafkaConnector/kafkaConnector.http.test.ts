import { after, before, beforeEach, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as net from "node:net";
import {
    checkConnector,
    kafkaConnectorProvider as provider,
    type ConnectorInputs,
    type ConnectorOutputs,
} from "../../../connectors/kafkaConnector/resource";
import { HttpStub, type StubReply, type StubRequest } from "../../helpers/httpStub";

const SECRET = "pa55-w0rd!";
const TRACE = "org.apache.kafka.connect.errors.ConnectException: Couldn't find or create file";

interface FakeConnector {
    config: Record<string, string>;
    state: string;
    tasks: { id: number; state: string; trace?: string }[];
}

/** A small in-memory Kafka Connect worker speaking the REST API on a real socket. */
class FakeWorker {
    readonly connectors = new Map<string, FakeConnector>();
    /** New and restarted tasks fail with this trace. */
    failTasks?: string;
    /** Field errors returned by the validate endpoint. */
    validateErrors: Record<string, string[]> = {};
    /** Keys the worker adds to stored configs (as Confluent Platform does). */
    serverKeys: Record<string, string> = {};
    /** Status stays UNASSIGNED (tasks never start). */
    stuck = false;
    /** What `GET /` reports. */
    version = "4.0.0";
    /**
     * Like a worker up to Connect 3.0 (RUNNING reported before `Task.start()` ran): new tasks
     * show RUNNING on the first status read and FAILED with this trace after it.
     */
    failAfterRunning?: string;
    /** Like a real worker, status polls right after a config write still show the old tasks. */
    private stale?: { polls: number; tasks: FakeConnector["tasks"] };

    /**
     * Like Connect (AbstractHerder), a config write with validation errors is refused with 400 and
     * the errors listed, and nothing is stored.
     */
    private invalidWrite() {
        const errors = Object.values(this.validateErrors).flat();
        if (errors.length === 0) return undefined;
        return {
            status: 400,
            body: {
                error_code: 400,
                message:
                    `Connector configuration is invalid and contains the following ${errors.length} ` +
                    `error(s):\n${errors.join("\n")}\nYou can also find the above list of errors at ` +
                    "the endpoint `/connector-plugins/{connectorType}/config/validate`",
            },
        };
    }

    private tasksFor(c: FakeConnector, state: string): FakeConnector["tasks"] {
        const n = Number(c.config["tasks.max"] ?? "1");
        return Array.from({ length: n }, (_, id) =>
            this.failTasks && state === "RUNNING"
                ? { id, state: "FAILED", trace: this.failTasks }
                : { id, state: this.stuck ? "UNASSIGNED" : state },
        );
    }

    handle = (req: StubRequest): StubReply => {
        const notFound = (n: string) => ({
            status: 404,
            body: { error_code: 404, message: `Connector ${n} not found` },
        });
        const type = req.headers["content-type"];
        if (type !== undefined && !type.startsWith("application/json")) {
            // Connect's resources consume JSON only (Jersey answers 415 otherwise).
            return {
                status: 415,
                body: { error_code: 415, message: "HTTP 415 Unsupported Media Type" },
            };
        }
        if (req.method === "GET" && req.path === "/") {
            return {
                status: 200,
                body: { version: this.version, commit: "x", kafka_cluster_id: "k" },
            };
        }
        const validate = /^\/connector-plugins\/([^/]+)\/config\/validate$/.exec(req.path);
        if (validate && req.method === "PUT") {
            const configs = Object.entries(this.validateErrors).map(([name, errors]) => ({
                value: { name, value: null, errors },
            }));
            const count = configs.reduce((n, c) => n + c.value.errors.length, 0);
            return { status: 200, body: { name: validate[1], error_count: count, configs } };
        }
        const invalid = this.invalidWrite();
        if (invalid && req.method === "POST" && req.path === "/connectors") return invalid;
        if (req.method === "POST" && req.path === "/connectors") {
            const body = req.body as {
                name: string;
                config: Record<string, string>;
                initial_state?: string;
            };
            if (this.connectors.has(body.name)) {
                return {
                    status: 409,
                    body: { error_code: 409, message: `Connector ${body.name} already exists` },
                };
            }
            const c: FakeConnector = {
                config: { ...body.config, name: body.name },
                state: "",
                tasks: [],
            };
            c.state = this.stuck ? "UNASSIGNED" : (body.initial_state ?? "RUNNING");
            c.tasks = c.state === "STOPPED" ? [] : this.tasksFor(c, c.state);
            this.connectors.set(body.name, c);
            return {
                status: 201,
                body: { name: body.name, config: c.config, tasks: [], type: "sink" },
            };
        }
        const m =
            /^\/connectors\/([^/]+)(?:\/(config|status|topics|pause|resume|stop|restart))?$/.exec(
                req.path,
            );
        if (!m) return { status: 404, body: { error_code: 404, message: "HTTP 404 Not Found" } };
        const [, name, sub] = m;
        const c = this.connectors.get(name);
        if (req.method === "PUT" && sub === "config") {
            if (invalid) return invalid;
            const config = req.body as Record<string, string>;
            if (config.name && config.name !== name)
                return { status: 400, body: { message: "name mismatch" } };
            const existed = c !== undefined;
            if (c) this.stale = { polls: 2, tasks: c.tasks };
            const next: FakeConnector = c ?? { config: {}, state: "RUNNING", tasks: [] };
            next.config = { ...config, name, ...this.serverKeys };
            if (next.state !== "STOPPED") next.tasks = this.tasksFor(next, next.state);
            this.connectors.set(name, next);
            return { status: existed ? 200 : 201, body: { name, config: next.config, tasks: [] } };
        }
        if (!c)
            return sub === "status"
                ? {
                      status: 404,
                      body: { error_code: 404, message: `No status found for connector ${name}` },
                  }
                : notFound(name);
        switch (`${req.method} ${sub ?? ""}`) {
            case "GET config":
                return { status: 200, body: { ...c.config, ...this.serverKeys } };
            case "GET status": {
                if (this.stale && this.stale.polls-- > 0) {
                    // First the untouched old status, then the connector restarting.
                    const state = this.stale.polls === 1 ? c.state : "UNASSIGNED";
                    return {
                        status: 200,
                        body: {
                            name,
                            connector: { state, worker_id: "w1" },
                            tasks: this.stale.tasks.map((t) => ({ ...t, worker_id: "w1" })),
                            type: "sink",
                        },
                    };
                }
                const shown = {
                    status: 200,
                    body: {
                        name,
                        connector: { state: c.state, worker_id: "w1" },
                        tasks: c.tasks.map((t) => ({ ...t, worker_id: "w1" })),
                        type: "sink",
                    },
                };
                if (this.failAfterRunning) {
                    const trace = this.failAfterRunning;
                    c.tasks = c.tasks.map((t) => ({ ...t, state: "FAILED", trace }));
                }
                return shown;
            }
            case "GET topics":
                return {
                    status: 200,
                    body: {
                        [name]: { topics: (c.config.topics ?? "").split(",").filter((t) => t) },
                    },
                };
            case "PUT pause":
                c.state = "PAUSED";
                c.tasks = c.tasks.map((t) =>
                    t.state === "FAILED" ? t : { ...t, state: "PAUSED" },
                );
                return { status: 202 };
            case "PUT stop":
                c.state = "STOPPED";
                c.tasks = [];
                return { status: 204 };
            case "PUT resume":
                c.state = "RUNNING";
                c.tasks = this.tasksFor(c, "RUNNING");
                return { status: 202 };
            case "POST restart": {
                const onlyFailed = req.query.get("onlyFailed") === "true";
                c.tasks = c.tasks.map((t) =>
                    onlyFailed && t.state !== "FAILED" ? t : this.tasksFor(c, c.state)[t.id],
                );
                return {
                    status: 202,
                    body: { name, connector: { state: "RESTARTING" }, tasks: [] },
                };
            }
            case "DELETE ":
                this.connectors.delete(name);
                return { status: 204 };
            default:
                return { status: 405, body: { message: `unsupported ${req.method} ${req.path}` } };
        }
    };
}

/** Answers with `faults` first, then lets the fake worker answer. */
function faultsThen(faults: StubReply[], worker: FakeWorker) {
    const queue = [...faults];
    return (req: StubRequest) => queue.shift() ?? worker.handle(req);
}

const rebalance: StubReply = {
    status: 409,
    body: {
        error_code: 409,
        message:
            "Cannot complete request because of a conflicting operation (e.g. worker rebalance)",
    },
};

void describe("KafkaConnector provider over HTTP", () => {
    let stub: HttpStub;
    let worker: FakeWorker;

    function desired(over: Record<string, unknown> = {}): ConnectorInputs & { __provider: string } {
        const res = checkConnector({
            connectUrl: stub.url,
            name: "sink",
            config: {
                "connector.class": "FileStreamSink",
                topics: "t1",
                file: "/tmp/out.txt",
                "tasks.max": 1,
            },
            sensitiveConfig: { "db.password": SECRET },
            waitTimeoutSeconds: 10,
            // The fake answers at once; real-service tests use the default hold.
            settleSeconds: 0.5,
            ...over,
        });
        assert.deepEqual(res.failures, []);
        return { ...(res.inputs as ConnectorInputs), __provider: "serialized-provider" };
    }

    async function created(over: Record<string, unknown> = {}): Promise<ConnectorOutputs> {
        const res = await provider.create(desired(over));
        return res.outs as ConnectorOutputs;
    }

    async function rejects(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
        try {
            await p;
        } catch (e) {
            return e as Error & Record<string, unknown>;
        }
        assert.fail("expected a failure");
    }

    before(async () => {
        stub = await HttpStub.start();
    });
    beforeEach(() => {
        stub.reset();
        worker = new FakeWorker();
        stub.fallback(worker.handle);
    });
    after(() => stub.close());

    void it("creates (201) with the POST alone (Connect validates it), secrets only in the request, waits for RUNNING", async () => {
        const res = await provider.create(desired());
        assert.equal(res.id, "sink");
        const outs = res.outs as ConnectorOutputs;
        assert.equal(outs.connectorType, "sink");
        assert.equal(outs.connectorState, "RUNNING");
        assert.deepEqual(outs.tasks, [{ id: 0, state: "RUNNING", workerId: "w1" }]);
        assert.deepEqual(outs.topics, ["t1"]);
        assert.deepEqual(outs.sensitiveKeys, ["db.password"]);
        assert.deepEqual(outs.config, {
            "connector.class": "FileStreamSink",
            file: "/tmp/out.txt",
            name: "sink",
            "tasks.max": "1",
            topics: "t1",
        });
        assert.ok(!JSON.stringify(outs).includes(SECRET));
        assert.equal(
            stub.calls("PUT", "/connector-plugins/FileStreamSink/config/validate").length,
            0,
            "no separate validate round trip when the write is accepted",
        );
        const [post] = stub.calls("POST", "/connectors");
        assert.deepEqual(post.body, {
            name: "sink",
            config: { ...desired().config, "db.password": SECRET },
            initial_state: "RUNNING",
        });
    });

    void it("fails with every field error (400 from validation) before creating anything, secrets redacted", async () => {
        worker.validateErrors = {
            "tasks.max": ["Invalid value x for configuration tasks.max: Not a number of type INT"],
            "db.password": [`Invalid value ${SECRET} for configuration db.password`],
            topics: ["Must configure one of topics or topics.regex"],
        };
        const err = await rejects(provider.create(desired()));
        assert.equal(
            err.message,
            "connector sink: configuration is invalid (3 error(s)):\n" +
                "  - tasks.max: Invalid value x for configuration tasks.max: Not a number of type INT\n" +
                "  - db.password: Invalid value [redacted] for configuration db.password\n" +
                "  - topics: Must configure one of topics or topics.regex",
        );
        // The worker refused the POST (as Connect does) and holds nothing; the field errors come
        // from the validate endpoint, asked only after that refusal.
        assert.equal(stub.calls("POST", "/connectors").length, 1);
        assert.equal(worker.connectors.size, 0);
        assert.equal(err.id, undefined);
    });

    void it("reports the worker's 400 with method, URL and message", async () => {
        const refused = {
            status: 400,
            body: { error_code: 400, message: "Connector configuration is invalid" },
        };
        stub.route("POST", "/connectors", [refused]);
        // The validate endpoint failing too leaves the write's own answer as the error.
        stub.route("PUT", "/connector-plugins/FileStreamSink/config/validate", [refused]);
        const err = await rejects(provider.create(desired()));
        assert.equal(
            err.message,
            `POST ${stub.url}/connectors failed: 400: Connector configuration is invalid`,
        );
    });

    void it("retries a 409 rebalance on create and creates exactly once", async () => {
        stub.route("POST", "/connectors", faultsThen([rebalance, rebalance], worker));
        const outs = await created();
        assert.equal(outs.connectorState, "RUNNING");
        assert.equal(stub.calls("POST", "/connectors").length, 3);
        assert.equal(worker.connectors.size, 1);
    });

    void it("retries a 500 'rebalance is expected'", async () => {
        stub.route(
            "POST",
            "/connectors",
            faultsThen(
                [
                    {
                        status: 500,
                        body: {
                            error_code: 500,
                            message: "Request cannot be completed because a rebalance is expected",
                        },
                    },
                ],
                worker,
            ),
        );
        await created();
        assert.equal(stub.calls("POST", "/connectors").length, 2);
    });

    void it("after a 500 'Request timed out' re-reads and does not create twice when the create landed", async () => {
        stub.route("POST", "/connectors", (req) => {
            worker.handle(req);
            return { status: 500, body: { error_code: 500, message: "Request timed out" } };
        });
        const outs = await created();
        assert.equal(outs.connectorState, "RUNNING");
        assert.equal(stub.calls("POST", "/connectors").length, 1);
        assert.ok(stub.calls("GET", "/connectors/sink/config").length >= 1);
    });

    void it("after a 500 'Request timed out' that did not land, re-reads and sends the create again", async () => {
        stub.route(
            "POST",
            "/connectors",
            faultsThen(
                [{ status: 500, body: { error_code: 500, message: "Request timed out" } }],
                worker,
            ),
        );
        await created();
        assert.equal(stub.calls("POST", "/connectors").length, 2);
    });

    void it("refuses a connector that already exists (409) unless adopted", async () => {
        worker.connectors.set("sink", {
            config: { "connector.class": "FileStreamSink", name: "sink" },
            state: "RUNNING",
            tasks: [],
        });
        const err = await rejects(provider.create(desired()));
        assert.equal(
            err.message,
            `connector sink already exists at ${stub.url} and is not managed by this stack; delete it, ` +
                "rename this one, or set adoptExisting: true with a matching config",
        );
        const mismatch = await rejects(provider.create(desired({ adoptExisting: true })));
        assert.equal(
            mismatch.message,
            `connector sink already exists at ${stub.url} with a different config (keys: db.password, file, tasks.max, topics); ` +
                "adoptExisting only takes over a matching connector",
        );
    });

    void it("adopts an existing connector whose live config matches", async () => {
        await created();
        const outs = await created({ adoptExisting: true });
        assert.equal(outs.connectorState, "RUNNING");
        assert.equal(worker.connectors.size, 1);
        assert.equal(stub.calls("POST", "/connectors").length, 2);
    });

    void it("creates a connector in the STOPPED state through initial_state", async () => {
        const outs = await created({ state: "STOPPED" });
        assert.equal(outs.connectorState, "STOPPED");
        assert.deepEqual(outs.tasks, []);
        assert.equal(
            (stub.calls("POST", "/connectors")[0].body as Record<string, unknown>).initial_state,
            "STOPPED",
        );
    });

    void it("fails with the FAILED task's trace and still records the connector (id, properties)", async () => {
        worker.failTasks = TRACE;
        const err = await rejects(provider.create(desired()));
        assert.match(
            err.message,
            /^connector sink failed \(connector RUNNING, tasks \[0:FAILED\]\):\ntask 0: org.apache.kafka.connect.errors.ConnectException/,
        );
        assert.equal(err.id, "sink");
        const props = err.properties as ConnectorOutputs & { __provider: string };
        assert.equal(props.__provider, "serialized-provider");
        assert.deepEqual(props.tasks, [{ id: 0, state: "FAILED", workerId: "w1", trace: TRACE }]);
        assert.deepEqual(err.reasons, [err.message]);
        assert.ok(!JSON.stringify(props).includes(SECRET));
    });

    void it("ends a create on the first status showing RUNNING on Connect 3.1+ (RUNNING follows start())", async () => {
        const outs = await created();
        assert.equal(outs.connectorState, "RUNNING");
        assert.equal(stub.calls("GET", "/connectors/sink/status").length, 1);
    });

    void it("on Connect 3.0 (RUNNING before start()) a task failing after its first RUNNING fails the create", async () => {
        // A worker of its own: the provider asks each worker's version once a minute.
        const old = await HttpStub.start();
        try {
            const w = new FakeWorker();
            w.version = "3.0.2";
            w.failAfterRunning = TRACE;
            old.fallback(w.handle);
            const err = await rejects(provider.create({ ...desired(), connectUrl: old.url }));
            assert.match(
                err.message,
                /^connector sink failed \(connector RUNNING, tasks \[0:FAILED\]\)/,
            );
            // No initial_state before 3.7: the run state is read, then the wait polls on.
            assert.ok(old.calls("GET", "/connectors/sink/status").length >= 3);
        } finally {
            await old.close();
        }
    });

    void it("restarts failed tasks once (onlyFailed=true) when restartOnFailure is set", async () => {
        worker.failTasks = TRACE;
        stub.route("POST", "/connectors/sink/restart", (req) => {
            worker.failTasks = undefined;
            return worker.handle(req);
        });
        const outs = await created({ restartOnFailure: true });
        assert.equal(outs.tasks[0].state, "RUNNING");
        const [restart] = stub.calls("POST", "/connectors/sink/restart");
        assert.equal(restart.query.toString(), "includeTasks=true&onlyFailed=true");
    });

    void it("fixing a failed connector's config waits for the new tasks, not the stale FAILED status", async () => {
        worker.failTasks = TRACE;
        const err = await rejects(provider.create(desired()));
        const recorded = err.properties as ConnectorOutputs;
        worker.failTasks = undefined;
        const fixed = desired({
            config: {
                "connector.class": "FileStreamSink",
                topics: "t1",
                file: "/tmp/ok.txt",
                "tasks.max": 1,
            },
        });
        const res = await provider.update!("sink", recorded, fixed);
        const outs = res.outs as ConnectorOutputs;
        assert.equal(outs.connectorState, "RUNNING");
        assert.deepEqual(outs.tasks, [{ id: 0, state: "RUNNING", workerId: "w1" }]);
    });

    void it("fails an update whose new tasks fail, though status first shows the old RUNNING ones", async () => {
        const outs = await created();
        worker.failTasks = TRACE;
        const broken = desired({
            config: {
                "connector.class": "FileStreamSink",
                topics: "t1",
                file: "/nope/x",
                "tasks.max": 1,
            },
        });
        const err = await rejects(provider.update!("sink", outs, broken));
        assert.match(
            err.message,
            /^connector sink failed \(connector RUNNING, tasks \[0:FAILED\]\)/,
        );
        assert.equal(err.id, "sink");
        assert.equal((err.properties as ConnectorOutputs).config.file, "/nope/x");
    });

    void it("gives up after the bounded wait and still records the connector", async () => {
        worker.stuck = true;
        const t0 = Date.now();
        const err = await rejects(provider.create(desired({ waitTimeoutSeconds: 1 })));
        assert.ok(Date.now() - t0 < 4_000);
        assert.equal(
            err.message,
            "connector sink did not reach RUNNING within 1s (connector UNASSIGNED, tasks [0:UNASSIGNED])",
        );
        assert.equal(err.id, "sink");
    });

    void it("reads live config normalized to declared keys, hiding server-added keys", async () => {
        const outs = await created();
        worker.serverKeys = { "__internal.config.version": "2", "errors.tolerance": "none" };
        const read = await provider.read!("sink", outs);
        assert.equal(read.id, "sink");
        assert.deepEqual((read.props as ConnectorOutputs).config, outs.config);
        const diff = await provider.diff!("sink", read.props as ConnectorOutputs, desired());
        assert.equal(diff.changes, false);
    });

    void it("shows out-of-band edits and pauses as drift after a read", async () => {
        const outs = await created();
        const live = worker.connectors.get("sink")!;
        live.config.topics = "t9";
        live.config["db.password"] = "changed-elsewhere";
        live.state = "PAUSED";
        const read = await provider.read!("sink", outs);
        const props = read.props as ConnectorOutputs;
        assert.equal(props.config.topics, "t9");
        assert.equal(props.connectorState, "PAUSED");
        assert.ok(!JSON.stringify(props).includes("changed-elsewhere"));
        const diff = await provider.diff!("sink", props, desired());
        assert.equal(diff.changes, true);
    });

    void it("does not mistake a starting worker's HTML 404 for a deleted connector", async () => {
        const outs = await created();
        const starting: StubReply = {
            status: 404,
            headers: { "Content-Type": "text/html;charset=iso-8859-1" },
            body: "<html><head><title>Error 404 Not Found</title></head></html>",
        };
        const before = stub.calls("GET", "/connectors/sink/config").length;
        stub.route("GET", "/connectors/sink/config", faultsThen([starting, starting], worker));
        const read = await provider.read!("sink", outs);
        assert.equal(read.id, "sink");
        assert.equal(stub.calls("GET", "/connectors/sink/config").length - before, 3);
    });

    void it("fails at once naming the URL on a 404 page that is not Connect's, and keeps the connector on refresh", async () => {
        const outs = await created();
        const proxy: StubReply = {
            status: 404,
            headers: { "Content-Type": "text/html" },
            body: "<html><head><title>404 Not Found</title></head><body><center>nginx</center></body></html>",
        };
        const before = stub.calls("GET", "/connectors/sink/config").length;
        stub.route("GET", "/connectors/sink/config", [proxy]);
        const hint = "Config key: connect.url. Is it right?";
        const err = await rejects(provider.read!("sink", { ...outs, endpointHint: hint }));
        assert.equal(
            err.message,
            `connector sink: GET ${stub.url}/connectors/sink/config answered 404 with a page that is not Kafka Connect's JSON (<html><head><title>404 Not Found</title></head><body><center>nginx</center></body></html>): is ${stub.url} not the Connect REST API? ${hint}`,
        );
        assert.equal(stub.calls("GET", "/connectors/sink/config").length - before, 1);
    });

    void it("fails within 15 s naming the URL, its config key and a hint when no worker answers", async () => {
        const srv = net.createServer();
        await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
        const port = (srv.address() as net.AddressInfo).port;
        await new Promise<void>((r) => srv.close(() => r()));
        const url = `http://127.0.0.1:${port}`;
        const hint = "Config key: connect.nodePort (localhost:30083). Is the kind cluster running?";
        const err = await rejects(
            provider.create(
                desired({ connectUrl: url, endpointHint: hint, waitTimeoutSeconds: 300 }),
            ),
        );
        assert.ok(
            err.message.startsWith(
                `connector sink: cannot reach Kafka Connect at ${url} (ECONNREFUSED, no answer within `,
            ),
            err.message,
        );
        // The first request of a create asks the worker's version (GET /).
        assert.ok(
            err.message.includes(`s). ${hint} [GET ${url}/ failed: ECONNREFUSED`),
            err.message,
        );
        // The 300 s wait for a busy worker does not apply to one that never answers.
        const waited = Number(/no answer within (\d+\.\d)s/.exec(err.message)?.[1]);
        assert.ok(waited <= 15, err.message);
    });

    void it("reports a connector deleted out of band as gone (404)", async () => {
        const outs = await created();
        worker.connectors.clear();
        const read = await provider.read!("sink", outs);
        assert.equal(read.id, "");
    });

    void it("updates config with PUT (409 then 200) and re-reads", async () => {
        const outs = await created();
        stub.route("PUT", "/connectors/sink/config", faultsThen([rebalance], worker));
        const res = await provider.update!(
            "sink",
            outs,
            desired({
                config: { "connector.class": "FileStreamSink", topics: "t2", file: "/tmp/out.txt" },
            }),
        );
        const next = res.outs as ConnectorOutputs;
        assert.equal(next.config.topics, "t2");
        assert.equal(next.config["tasks.max"], undefined);
        assert.deepEqual(next.topics, ["t2"]);
        const puts = stub.calls("PUT", "/connectors/sink/config");
        assert.equal(puts.length, 2);
        assert.deepEqual(puts[1].body, {
            "connector.class": "FileStreamSink",
            topics: "t2",
            file: "/tmp/out.txt",
            name: "sink",
            "db.password": SECRET,
        });
        assert.ok(stub.calls("GET", "/connectors/sink/config").length >= 1);
    });

    void it("changes state without rewriting the config: pause, stop, resume", async () => {
        let outs = await created();
        for (const [state, verb] of [
            ["PAUSED", "pause"],
            ["STOPPED", "stop"],
            ["RUNNING", "resume"],
        ] as const) {
            outs = (await provider.update!("sink", outs, desired({ state })))
                .outs as ConnectorOutputs;
            assert.equal(outs.connectorState, state);
            assert.equal(stub.calls("PUT", `/connectors/sink/${verb}`).length, 1);
        }
        assert.equal(stub.calls("PUT", "/connectors/sink/config").length, 0);
    });

    void it("restarts everything when the restart nonce changes", async () => {
        const outs = await created();
        await provider.update!("sink", outs, desired({ restartNonce: "1" }));
        const [restart] = stub.calls("POST", "/connectors/sink/restart");
        assert.equal(restart.query.toString(), "includeTasks=true&onlyFailed=false");
    });

    void it("deletes (204) and waits until the worker no longer lists it", async () => {
        const outs = await created();
        await provider.delete!("sink", outs);
        assert.equal(worker.connectors.size, 0);
        assert.equal(stub.calls("DELETE", "/connectors/sink").length, 1);
    });

    void it("treats 404 on delete as success", async () => {
        const outs = await created();
        worker.connectors.clear();
        await provider.delete!("sink", outs);
    });

    void it("retries a 409 on delete", async () => {
        const outs = await created();
        stub.route("DELETE", "/connectors/sink", faultsThen([rebalance], worker));
        await provider.delete!("sink", outs);
        assert.equal(stub.calls("DELETE", "/connectors/sink").length, 2);
        assert.equal(worker.connectors.size, 0);
    });

    void it("never deletes connectors it does not own", async () => {
        worker.connectors.set("someone-else", {
            config: { "connector.class": "X" },
            state: "RUNNING",
            tasks: [],
        });
        const outs = await created();
        await provider.delete!("sink", outs);
        assert.deepEqual([...worker.connectors.keys()], ["someone-else"]);
        assert.deepEqual(
            stub.requests.filter((r) => r.method === "DELETE").map((r) => r.path),
            ["/connectors/sink"],
        );
    });
});
