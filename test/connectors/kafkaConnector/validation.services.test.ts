/**
 * A config Connect refuses, against a real worker: the provider sends the write without a
 * separate validate call (Connect validates every write itself and stores nothing invalid), and
 * only after the worker's 400 asks the validate endpoint for the field errors it reports.
 */
import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
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

const CONNECT_URL = process.env.CONNECT_URL;
const skip = CONNECT_URL ? false : "CONNECT_URL is not set: run through `npm run test:services`";
if (skip) console.log(`# skipping KafkaConnector validation tests: ${skip}`);

const SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector";
const VALIDATE =
    "/connector-plugins/org.apache.kafka.connect.file.FileStreamSinkConnector/config/validate";

async function rejects(p: Promise<unknown>): Promise<Error> {
    try {
        await p;
    } catch (e) {
        return e as Error;
    }
    assert.fail("expected a failure");
}

void describe("KafkaConnector writes a config Connect refuses (real worker)", { skip }, () => {
    let dir: string;
    let proxy: HttpStub;
    const seen: Forwarded[] = [];
    const desired = (config: Record<string, unknown>) => {
        const res = checkConnector({
            connectUrl: proxy.url,
            name: "val-sink",
            config: { "connector.class": SINK, file: join(dir, "out.txt"), ...config },
            waitTimeoutSeconds: 120,
        });
        assert.deepEqual(res.failures, []);
        return { ...(res.inputs as ConnectorInputs), __provider: "provider-under-test" };
    };
    const live = async () =>
        (
            await request<Record<string, string>>({
                method: "GET",
                url: `${CONNECT_URL}/connectors/val-sink/config`,
                validStatus: [200, 404],
            })
        ).data;

    before(async () => {
        dir = mkdtempSync(join(tmpdir(), "kc-validation-"));
        proxy = await HttpStub.start();
        proxy.fallback(forwardTo(CONNECT_URL!, seen));
    });
    after(async () => {
        await request({
            method: "DELETE",
            url: `${CONNECT_URL}/connectors/val-sink`,
            validStatus: [204, 404],
            retry: { statuses: [409, 500], deadlineMs: 60_000 },
        });
        await proxy.close();
        rmSync(dir, { recursive: true, force: true });
    });

    void it("fails a create with the field errors, and the worker holds nothing", async () => {
        const err = await rejects(provider.create(desired({ "tasks.max": "x" })));
        assert.match(
            err.message,
            /^connector val-sink: configuration is invalid \(\d+ error\(s\)\):\n/,
        );
        assert.match(err.message, / {2}- tasks\.max: Invalid value x for configuration tasks\.max/);
        assert.match(err.message, / {2}- topics: Must configure one of topics or topics\.regex/);
        const posts = seen.filter((r) => r.method === "POST" && r.path === "/connectors");
        assert.deepEqual(
            posts.map((r) => r.status),
            [400],
        );
        assert.equal(seen.filter((r) => r.path === VALIDATE).length, 1);
        assert.deepEqual(await live(), {
            error_code: 404,
            message: "Connector val-sink not found",
        });
    });

    void it("creates a valid connector with no validate round trip", async () => {
        const from = seen.length;
        const res = await provider.create(desired({ topics: "val-lines" }));
        assert.equal((res.outs as ConnectorOutputs).connectorState, "RUNNING");
        assert.equal(seen.slice(from).filter((r) => r.path === VALIDATE).length, 0);
    });

    void it("fails an update to an invalid config and keeps the old one", async () => {
        const olds = (await provider.read!("val-sink", desired({ topics: "val-lines" })))
            .props as ConnectorOutputs;
        const err = await rejects(
            provider.update!("val-sink", olds, desired({ topics: "val-lines", "tasks.max": "x" })),
        );
        assert.match(err.message, / {2}- tasks\.max: Invalid value x for configuration tasks\.max/);
        assert.equal((await live()).topics, "val-lines");
        assert.equal((await live())["tasks.max"], undefined);
    });
});
