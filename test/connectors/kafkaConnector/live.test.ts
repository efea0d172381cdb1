import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { showsNew } from "../../../connectors/kafkaConnector/apply";
import { BULK_GAP_MS, forget, snapshot } from "../../../connectors/kafkaConnector/live";
import { ctxOf } from "../../../connectors/kafkaConnector/rest";
import { HttpStub } from "../../helpers/httpStub";

void describe("showsNew: whether the task configs are the new generation's", () => {
    const expect = { config: { file: "/new", topics: "t", name: "c" }, keys: ["file", "gone"] };

    void it("is true once every task carrying a changed key has its new value", () => {
        assert.equal(showsNew([{ file: "/new" }, { file: "/new", other: "x" }], expect), true);
    });
    void it("is false while any task still has an old value", () => {
        assert.equal(showsNew([{ file: "/new" }, { file: "/old" }], expect), false);
    });
    void it("is false when no task carries a changed key (the caller then holds instead)", () => {
        assert.equal(showsNew([{ topics: "t" }], expect), false);
        assert.equal(showsNew([], expect), false);
        assert.equal(showsNew(undefined, expect), false);
    });
    void it("ignores keys the write removed (a connector may fill in defaults)", () => {
        assert.equal(showsNew([{ file: "/new", gone: "default" }], expect), true);
    });
});

void describe("the shared bulk answer", () => {
    let stub: HttpStub;
    const body = {
        a: { status: { connector: { state: "RUNNING" }, tasks: [] }, info: { config: {} } },
    };
    before(async () => {
        stub = await HttpStub.start();
    });
    after(() => stub.close());

    const ctx = (url: string) => ctxOf({ connectUrl: url, name: "a", waitTimeoutSeconds: 5 }, []);

    void it("serves concurrent callers from one request, and newer ones from a later one", async () => {
        stub.route("GET", "/connectors", [{ status: 200, body }]);
        const c = ctx(stub.url);
        forget(c);
        const now = Date.now();
        const answers = await Promise.all(
            Array.from({ length: 5 }, () => snapshot(c, now, "wait")),
        );
        assert.deepEqual(answers[0], body);
        assert.equal(stub.calls("GET", "/connectors").length, 1);
        assert.equal(
            stub.calls("GET", "/connectors")[0].query.getAll("expand").join(","),
            "status,info",
        );
        const t = Date.now();
        await snapshot(c, t, "wait");
        const calls = stub.calls("GET", "/connectors");
        assert.equal(calls.length, 2);
        // Requests to one worker are spaced, however many waiters ask.
        assert.ok(Date.now() - now >= BULK_GAP_MS);
    });

    void it("lets a read reuse a recent read answer but never a wait's, and forgets it on a write", async () => {
        stub.reset();
        stub.route("GET", "/connectors", [{ status: 200, body }]);
        const c = ctx(stub.url);
        forget(c);
        await snapshot(c, Date.now(), "wait");
        await snapshot(c, Date.now() - 2_000, "read");
        await snapshot(c, Date.now() - 2_000, "read");
        assert.equal(stub.calls("GET", "/connectors").length, 2);
        forget(c);
        await snapshot(c, Date.now() - 2_000, "read");
        assert.equal(stub.calls("GET", "/connectors").length, 3);
    });

    void it("keeps pacing waits after a write: a waiter gets a newer answer, no sooner than the gap", async () => {
        stub.reset();
        const sent: number[] = [];
        stub.route("GET", "/connectors", () => {
            sent.push(Date.now());
            return { status: 200, body };
        });
        const c = ctx(stub.url);
        await snapshot(c, Date.now(), "wait");
        // Writes of several applies, each then waiting for an answer sent after its write.
        const waits = Array.from({ length: 4 }, () => {
            forget(c);
            return snapshot(c, Date.now(), "wait");
        });
        await Promise.all(waits);
        assert.equal(sent.length, 2);
        assert.ok(sent[1] - sent[0] >= BULK_GAP_MS - 5, `${sent[1] - sent[0]} ms apart`);
    });

    void it("falls back to single reads on a worker without the bulk endpoint", async () => {
        const old = await HttpStub.start();
        try {
            // Before 2.3 Connect ignored `expand` and listed names.
            old.route("GET", "/connectors", [{ status: 200, body: ["a"] }]);
            const c = ctx(old.url);
            assert.equal(await snapshot(c, Date.now(), "wait"), undefined);
            assert.equal(await snapshot(c, Date.now(), "read"), undefined);
            assert.equal(old.calls("GET", "/connectors").length, 1);
        } finally {
            await old.close();
        }
    });

    void it("does not reuse a failed answer", async () => {
        stub.reset();
        stub.route("GET", "/connectors", [
            { status: 400, body: { error_code: 400, message: "bad" } },
            { status: 200, body },
        ]);
        const c = ctx(stub.url);
        forget(c);
        await assert.rejects(snapshot(c, Date.now(), "wait"), /400: bad/);
        assert.deepEqual(await snapshot(c, Date.now(), "wait"), body);
    });
});
