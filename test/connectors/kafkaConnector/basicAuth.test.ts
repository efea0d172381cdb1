import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { checkConnector, diffConnector } from "../../../connectors/kafkaConnector/inputs";
import { kafkaConnectorProvider as provider } from "../../../connectors/kafkaConnector/resource";
import { HttpStub, type StubRequest } from "../../helpers/httpStub";

const PASSWORD = "s3cret-connect-admin-password";
const expected = `Basic ${Buffer.from(`admin:${PASSWORD}`).toString("base64")}`;

describe("KafkaConnector against a Connect REST API with basic auth", () => {
    let stub: HttpStub;
    before(async () => {
        stub = await HttpStub.start();
        // Connect's BasicAuthSecurityRestExtension: 401 without the right credentials.
        stub.fallback((req: StubRequest) =>
            req.headers.authorization === expected
                ? { status: 404, body: { error_code: 404, message: "Connector c not found" } }
                : { status: 401, body: { error_code: 401, message: "Unauthorized" } },
        );
    });
    after(() => stub.close());

    const props = (password: string) =>
        ({
            connectUrl: stub.url,
            name: "c",
            config: { "connector.class": "FileStreamSink" },
            basicAuth: { username: "admin", password },
            waitTimeoutSeconds: 5,
            settleSeconds: 0,
        }) as any;

    it("sends the credentials on every call (delete of a gone connector succeeds)", async () => {
        await provider.delete!("c", props(PASSWORD));
        assert.ok(stub.requests.length >= 2);
        for (const r of stub.requests)
            assert.equal(r.headers.authorization, expected, `${r.method} ${r.path}`);
    });

    it("fails on wrong credentials without the password in the message", async () => {
        await assert.rejects(provider.delete!("c", props("wrong-password-value")), (e: Error) => {
            assert.match(e.message, /401/);
            assert.doesNotMatch(e.message, /wrong-password-value/);
            return true;
        });
    });

    it("checks the credentials' shape and records a change of them", () => {
        const bad = checkConnector({ ...props(PASSWORD), basicAuth: { username: 3 } });
        assert.deepEqual(
            (bad.failures ?? []).map((f) => f.property),
            ["basicAuth"],
        );
        const ok = checkConnector(props(PASSWORD));
        assert.deepEqual(ok.inputs?.basicAuth, { username: "admin", password: PASSWORD });
        const { changes, replaces } = diffConnector(
            { ...ok.inputs, basicAuth: { username: "admin", password: "old" } },
            ok.inputs as never,
        );
        assert.deepEqual([changes.includes("basicAuth"), replaces], [true, []]);
    });
});
