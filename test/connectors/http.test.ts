import { after, afterEach, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as net from "node:net";
import { inspect } from "node:util";
import {
    HttpError,
    isUnreachable,
    request,
    redactText,
    stripCredentials,
    unreachableMessage,
} from "../../connectors/http";
import { HttpStub } from "../helpers/httpStub";

const fast = { baseDelayMs: 5, maxDelayMs: 20 };

async function rejects(p: Promise<unknown>): Promise<HttpError> {
    try {
        await p;
    } catch (e) {
        assert.ok(e instanceof HttpError, `expected HttpError, got ${String(e)}`);
        return e;
    }
    assert.fail("expected the request to fail");
}

async function freePort(): Promise<number> {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    return port;
}

void describe("request", () => {
    let stub: HttpStub;
    before(async () => {
        stub = await HttpStub.start();
    });
    afterEach(() => stub.reset());
    after(() => stub.close());

    void it("returns the parsed JSON body and status of a 2xx", async () => {
        stub.route("GET", "/", [{ status: 200, body: { version: "4.0.0" } }]);
        const res = await request<{ version: string }>({ method: "GET", url: `${stub.url}/` });
        assert.equal(res.status, 200);
        assert.deepEqual(res.data, { version: "4.0.0" });
        assert.equal(res.headers["content-type"], "application/json");
    });

    void it("returns undefined data for an empty 204", async () => {
        stub.route("DELETE", "/connectors/a", [{ status: 204 }]);
        const res = await request({ method: "DELETE", url: `${stub.url}/connectors/a` });
        assert.equal(res.status, 204);
        assert.equal(res.data, undefined);
    });

    void it("sends the JSON body and headers", async () => {
        stub.route("POST", "/ksql", [{ status: 200, body: [] }]);
        await request({
            method: "POST",
            url: `${stub.url}/ksql`,
            data: { ksql: "SHOW STREAMS;" },
            headers: { "Content-Type": "application/vnd.ksql.v1+json" },
        });
        const [call] = stub.calls("POST", "/ksql");
        assert.deepEqual(call.body, { ksql: "SHOW STREAMS;" });
        assert.equal(call.headers["content-type"], "application/vnd.ksql.v1+json");
    });

    void it("labels a JSON body as JSON and sends no content type without a body", async () => {
        stub.route("PUT", "/connectors/a/pause", [{ status: 202 }]);
        stub.route("PUT", "/connectors/a/config", [{ status: 200, body: {} }]);
        await request({ method: "PUT", url: `${stub.url}/connectors/a/pause` });
        await request({ method: "PUT", url: `${stub.url}/connectors/a/config`, data: { a: "1" } });
        assert.equal(
            stub.calls("PUT", "/connectors/a/pause")[0].headers["content-type"],
            undefined,
        );
        assert.equal(
            stub.calls("PUT", "/connectors/a/config")[0].headers["content-type"],
            "application/json",
        );
    });

    void it("reports method, URL, status and the Connect message", async () => {
        stub.route("GET", "/connectors/x/status", [
            { status: 404, body: { error_code: 404, message: "No status found for connector x" } },
        ]);
        const err = await rejects(
            request({ method: "GET", url: `${stub.url}/connectors/x/status` }),
        );
        assert.equal(
            err.message,
            `GET ${stub.url}/connectors/x/status failed: 404: No status found for connector x`,
        );
        assert.equal(err.status, 404);
        assert.equal(err.errorCode, 404);
        assert.equal(err.attempts, 1);
    });

    void it("includes the ksqlDB statement text", async () => {
        stub.route("POST", "/ksql", [
            {
                status: 400,
                body: {
                    "@type": "statement_error",
                    error_code: 40001,
                    message: "line 1:1: mismatched input",
                    statementText: "CRATE STREAM s;",
                },
            },
        ]);
        const err = await rejects(request({ method: "POST", url: `${stub.url}/ksql`, data: {} }));
        assert.equal(err.serverMessage, "line 1:1: mismatched input [CRATE STREAM s;]");
        assert.equal(err.errorCode, 40001);
    });

    void it("reads the WebHDFS RemoteException message", async () => {
        stub.route("PUT", "/webhdfs/v1/data", [
            {
                status: 403,
                body: {
                    RemoteException: {
                        exception: "AccessControlException",
                        javaClassName: "org.apache.hadoop.security.AccessControlException",
                        message: "Permission denied: user=dr.who",
                    },
                },
            },
        ]);
        const err = await rejects(request({ method: "PUT", url: `${stub.url}/webhdfs/v1/data` }));
        assert.equal(err.serverMessage, "Permission denied: user=dr.who");
        assert.equal(err.errorCode, "AccessControlException");
    });

    void it("uses a plain-text body or the status text when the body is not JSON", async () => {
        stub.route("GET", "/text", [{ status: 502, body: "upstream down\n" }]);
        stub.route("GET", "/empty", [{ status: 503 }]);
        assert.equal(
            (await rejects(request({ method: "GET", url: `${stub.url}/text` }))).serverMessage,
            "upstream down",
        );
        assert.equal(
            (await rejects(request({ method: "GET", url: `${stub.url}/empty` }))).serverMessage,
            "Service Unavailable",
        );
    });

    void it("returns statuses the caller accepts instead of throwing", async () => {
        stub.route("DELETE", "/connectors/gone", [{ status: 404, body: { message: "not found" } }]);
        const res = await request({
            method: "DELETE",
            url: `${stub.url}/connectors/gone`,
            validStatus: [204, 404],
        });
        assert.equal(res.status, 404);
    });

    void it("retries a listed status until it succeeds", async () => {
        const rebalance = { status: 409, body: { error_code: 409, message: "rebalance" } };
        stub.route("PUT", "/connectors/a/config", [
            rebalance,
            rebalance,
            { status: 200, body: {} },
        ]);
        const seen: number[] = [];
        const res = await request({
            method: "PUT",
            url: `${stub.url}/connectors/a/config`,
            data: {},
            retry: { ...fast, statuses: [409], onRetry: (i) => seen.push(i.attempt) },
        });
        assert.equal(res.status, 200);
        assert.equal(stub.calls("PUT", "/connectors/a/config").length, 3);
        assert.deepEqual(seen, [1, 2]);
    });

    void it("fails at once when isRetryable rejects a listed status", async () => {
        stub.route("POST", "/connectors", [
            { status: 409, body: { error_code: 409, message: "Connector a already exists" } },
        ]);
        const err = await rejects(
            request({
                method: "POST",
                url: `${stub.url}/connectors`,
                data: {},
                retry: {
                    ...fast,
                    statuses: [409],
                    isRetryable: (e) => !/already exists/.test(e.serverMessage),
                },
            }),
        );
        assert.equal(err.status, 409);
        assert.equal(stub.calls("POST", "/connectors").length, 1);
    });

    void it("does not retry a status that is not listed", async () => {
        stub.route("PUT", "/connectors/a/config", [{ status: 400, body: { message: "bad" } }]);
        await rejects(
            request({
                method: "PUT",
                url: `${stub.url}/connectors/a/config`,
                retry: { ...fast, statuses: [409] },
            }),
        );
        assert.equal(stub.calls("PUT", "/connectors/a/config").length, 1);
    });

    void it("stops at maxAttempts and says how many were made", async () => {
        stub.route("GET", "/busy", [{ status: 503, body: { message: "starting" } }]);
        const err = await rejects(
            request({
                method: "GET",
                url: `${stub.url}/busy`,
                retry: { ...fast, statuses: [503], maxAttempts: 3 },
            }),
        );
        assert.equal(stub.calls("GET", "/busy").length, 3);
        assert.equal(err.attempts, 3);
        assert.match(
            err.message,
            /failed: 503: starting \(gave up after 3 attempt\(s\) in \d+\.\ds\)$/,
        );
    });

    void it("stops retrying at the deadline", async () => {
        stub.route("PUT", "/x", [{ status: 409, body: { message: "rebalance" } }]);
        const t0 = Date.now();
        const err = await rejects(
            request({
                method: "PUT",
                url: `${stub.url}/x`,
                retry: { baseDelayMs: 20, maxDelayMs: 40, deadlineMs: 300, statuses: [409] },
            }),
        );
        const elapsed = Date.now() - t0;
        assert.ok(elapsed < 800, `took ${elapsed}ms`);
        assert.ok(err.attempts > 2, `only ${err.attempts} attempts`);
        assert.equal(stub.calls("PUT", "/x").length, err.attempts);
        assert.match(err.message, /gave up after/);
    });

    void it("waits for a server that is still starting (connection refused)", async () => {
        const port = await freePort();
        let late: HttpStub | undefined;
        const starter = setTimeout(() => {
            void HttpStub.start(port).then((s) => {
                late = s;
                s.route("GET", "/", [{ status: 200, body: { version: "4.0.0" } }]);
            });
        }, 300);
        try {
            const refused: string[] = [];
            const res = await request({
                method: "GET",
                url: `http://127.0.0.1:${port}/`,
                retry: { ...fast, deadlineMs: 10_000, onRetry: (i) => refused.push(i.error.code!) },
            });
            assert.equal(res.status, 200);
            assert.ok(refused.length > 0);
            assert.ok(refused.every((c) => c === "ECONNREFUSED"));
        } finally {
            clearTimeout(starter);
            await late?.close();
        }
    });

    void it("gives up on a server that never answers after unreachableMs, well before the deadline", async () => {
        const port = await freePort();
        const err = await rejects(
            request({
                method: "GET",
                url: `http://127.0.0.1:${port}/`,
                retry: { ...fast, deadlineMs: 60_000, unreachableMs: 200 },
            }),
        );
        assert.equal(err.code, "ECONNREFUSED");
        assert.ok(isUnreachable(err));
        assert.ok(err.attempts > 1, `only ${err.attempts} attempt(s)`);
        assert.match(err.message, /\(gave up after \d+ attempt\(s\) in \d+\.\ds\)$/);
    });

    void it("keeps retrying a busy answer for the whole deadline despite a short unreachableMs", async () => {
        stub.route("PUT", "/busy", [
            { status: 409, body: { error_code: 409, message: "rebalance" } },
            { status: 409, body: { error_code: 409, message: "rebalance" } },
            { status: 409, body: { error_code: 409, message: "rebalance" } },
            { status: 200, body: {}, delayMs: 0 },
        ]);
        const res = await request({
            method: "PUT",
            url: `${stub.url}/busy`,
            retry: {
                baseDelayMs: 150,
                maxDelayMs: 150,
                deadlineMs: 10_000,
                unreachableMs: 1,
                statuses: [409],
            },
        });
        assert.equal(res.status, 200);
        assert.equal(stub.calls("PUT", "/busy").length, 4);
    });

    void it("fails at once on a listed status whose retryWindowMs is 0", async () => {
        stub.route("GET", "/page", [{ status: 404, body: "<html>not here</html>" }]);
        const err = await rejects(
            request({
                method: "GET",
                url: `${stub.url}/page`,
                retry: { ...fast, statuses: [404], retryWindowMs: () => 0 },
            }),
        );
        assert.equal(err.status, 404);
        assert.equal(err.attempts, 1);
        assert.equal(stub.calls("GET", "/page").length, 1);
        assert.ok(!isUnreachable(err));
    });

    void it("words an unreachable service with its URL, wait, code and hint", async () => {
        const port = await freePort();
        const err = await rejects(
            request({
                method: "GET",
                url: `http://user:pw@127.0.0.1:${port}/x`,
                retry: { ...fast, unreachableMs: 50 },
            }),
        );
        const msg = unreachableMessage(
            "Kafka Connect",
            `http://user:pw@127.0.0.1:${port}`,
            err,
            "Config key: connect.url.",
        );
        assert.match(
            msg,
            new RegExp(
                `^cannot reach Kafka Connect at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED, no answer within \\d+\\.\\ds\\)\\. Config key: connect\\.url\\.$`,
            ),
        );
    });

    void it("fails with the network code when no retry policy is given", async () => {
        const port = await freePort();
        const err = await rejects(request({ method: "GET", url: `http://127.0.0.1:${port}/` }));
        assert.equal(err.code, "ECONNREFUSED");
        assert.equal(err.status, undefined);
        assert.match(
            err.message,
            new RegExp(`^GET http://127.0.0.1:${port}/ failed: ECONNREFUSED: `),
        );
    });

    void it("re-reads after a 500 'Request timed out' and finishes when the write landed", async () => {
        stub.route("POST", "/connectors", [
            { status: 500, body: { error_code: 500, message: "Request timed out" } },
        ]);
        stub.route("GET", "/connectors/a", [{ status: 200, body: { name: "a" } }]);
        let reconciled = 0;
        const res = await request({
            method: "POST",
            url: `${stub.url}/connectors`,
            data: { name: "a" },
            retry: {
                ...fast,
                statuses: [409],
                reconcile: async () => {
                    reconciled++;
                    return request({ method: "GET", url: `${stub.url}/connectors/a` });
                },
            },
        });
        assert.deepEqual(res.data, { name: "a" });
        assert.equal(reconciled, 1);
        assert.equal(stub.calls("POST", "/connectors").length, 1);
    });

    void it("treats an error the caller marks as unknown outcome like a timeout: re-read, then finish", async () => {
        stub.route("POST", "/connectors", [
            { status: 500, body: "<html>Internal Server Error</html>" },
        ]);
        stub.route("GET", "/connectors/a", [{ status: 200, body: { name: "a" } }]);
        let reconciled = 0;
        const res = await request({
            method: "POST",
            url: `${stub.url}/connectors`,
            data: { name: "a" },
            retry: {
                ...fast,
                statuses: [409],
                isUnknownOutcome: (e) => e.status === 500 && e.errorCode === undefined,
                reconcile: async () => {
                    reconciled++;
                    return request({ method: "GET", url: `${stub.url}/connectors/a` });
                },
            },
        });
        assert.deepEqual(res.data, { name: "a" });
        assert.equal(reconciled, 1);
        assert.equal(stub.calls("POST", "/connectors").length, 1);
    });

    void it("fails at once on a plain 500 when the caller does not mark it unknown", async () => {
        stub.route("POST", "/connectors", [
            { status: 500, body: "<html>Internal Server Error</html>" },
        ]);
        await assert.rejects(
            request({
                method: "POST",
                url: `${stub.url}/connectors`,
                data: {},
                retry: { ...fast, statuses: [409] },
            }),
            /POST http:\/\/127\.0\.0\.1:\d+\/connectors failed: 500: <html>Internal Server Error<\/html>/,
        );
        assert.equal(stub.calls("POST", "/connectors").length, 1);
    });

    void it("re-reads after a 500 'Request timed out' and resends when the write did not land", async () => {
        stub.route("POST", "/connectors", [
            { status: 500, body: { error_code: 500, message: "Request timed out" } },
            { status: 201, body: { name: "a" } },
        ]);
        let reconciled = 0;
        const res = await request({
            method: "POST",
            url: `${stub.url}/connectors`,
            data: { name: "a" },
            retry: {
                ...fast,
                reconcile: () => {
                    reconciled++;
                    return Promise.resolve(undefined);
                },
            },
        });
        assert.equal(res.status, 201);
        assert.equal(reconciled, 1);
        assert.equal(stub.calls("POST", "/connectors").length, 2);
    });

    void it("still reconciles a 'Request timed out' when its status is listed but not retryable", async () => {
        stub.route("PUT", "/connectors/a/config", [
            { status: 500, body: { error_code: 500, message: "Request timed out" } },
            { status: 200, body: {} },
        ]);
        let reconciled = 0;
        const res = await request({
            method: "PUT",
            url: `${stub.url}/connectors/a/config`,
            data: {},
            retry: {
                ...fast,
                statuses: [500],
                isRetryable: (e) => /rebalance/.test(e.serverMessage),
                reconcile: () => {
                    reconciled++;
                    return Promise.resolve(undefined);
                },
            },
        });
        assert.equal(res.status, 200);
        assert.equal(reconciled, 1);
    });

    void it("does not resend a POST whose outcome is unknown without a reconcile hook", async () => {
        stub.route("POST", "/connectors", [
            { status: 500, body: { message: "Request timed out" } },
        ]);
        const err = await rejects(
            request({ method: "POST", url: `${stub.url}/connectors`, retry: { ...fast } }),
        );
        assert.equal(err.status, 500);
        assert.equal(stub.calls("POST", "/connectors").length, 1);
    });

    void it("repeats an idempotent GET after a 500 'Request timed out'", async () => {
        stub.route("GET", "/connectors", [
            { status: 500, body: { message: "Request timed out" } },
            { status: 200, body: [] },
        ]);
        const res = await request({ method: "GET", url: `${stub.url}/connectors`, retry: fast });
        assert.equal(res.status, 200);
        assert.equal(stub.calls("GET", "/connectors").length, 2);
    });

    void it("does not retry other 500s", async () => {
        stub.route("GET", "/boom", [{ status: 500, body: { message: "NullPointerException" } }]);
        await rejects(request({ method: "GET", url: `${stub.url}/boom`, retry: fast }));
        assert.equal(stub.calls("GET", "/boom").length, 1);
    });

    void it("times out a slow attempt on the client side", async () => {
        stub.route("GET", "/slow", [{ status: 200, delayMs: 500 }]);
        const err = await rejects(
            request({ method: "GET", url: `${stub.url}/slow`, timeoutMs: 100 }),
        );
        assert.equal(err.code, "ECONNABORTED");
        assert.equal(err.status, undefined);
    });

    void it("resends an idempotent PUT after a reset connection but not a POST", async () => {
        stub.route("PUT", "/reset", [
            { status: 0, destroy: true },
            { status: 200, body: {} },
        ]);
        stub.route("POST", "/reset", [{ status: 0, destroy: true }]);
        const res = await request({ method: "PUT", url: `${stub.url}/reset`, retry: fast });
        assert.equal(res.status, 200);
        assert.equal(stub.calls("PUT", "/reset").length, 2);
        const err = await rejects(
            request({ method: "POST", url: `${stub.url}/reset`, retry: fast }),
        );
        assert.equal(err.code, "ECONNRESET");
        assert.equal(stub.calls("POST", "/reset").length, 1);
    });

    void it("never puts secret values or URL credentials in the error", async () => {
        const secret = 'p@ss "word"/1';
        stub.route("PUT", "/connectors/db/config", [
            {
                status: 400,
                body: {
                    error_code: 400,
                    message: `Invalid value ${JSON.stringify(secret)} for connection.password`,
                },
            },
        ]);
        const base = stub.url.replace("http://", "http://admin:hunter22@");
        const err = await rejects(
            request({
                method: "PUT",
                url: `${base}/connectors/db/config`,
                data: { "connection.password": secret },
                redact: [secret],
            }),
        );
        const everything = `${err.message}\n${err.stack}\n${inspect(err, { depth: 10 })}\n${JSON.stringify(err)}`;
        assert.ok(!everything.includes("p@ss"), everything);
        assert.ok(!everything.includes("hunter22"), everything);
        assert.equal(
            err.message,
            `PUT ${stub.url}/connectors/db/config failed: 400: Invalid value "[redacted]" for connection.password`,
        );
        assert.ok(stub.calls("PUT", "/connectors/db/config")[0].headers.authorization);
    });
});

void describe("redactText and stripCredentials", () => {
    void it("redacts raw, JSON-escaped and URL-encoded forms", () => {
        const s = 'a"b/c d';
        const text = `raw=${s} json=${JSON.stringify(s)} url=${encodeURIComponent(s)}`;
        assert.equal(redactText(text, [s, ""]), 'raw=[redacted] json="[redacted]" url=[redacted]');
    });

    void it("strips userinfo from URLs only", () => {
        assert.equal(stripCredentials("https://u:p@host:1/x?y=z@w"), "https://host:1/x?y=z@w");
        assert.equal(stripCredentials("http://host/a@b"), "http://host/a@b");
    });
});
