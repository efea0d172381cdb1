import assert from "node:assert/strict";
import { freePort } from "../../../scripts/services/util";
import { describe, it } from "node:test";
import {
    MissingEndpointError,
    StackOutputs,
    resolveEndpoint,
} from "../../../scripts/tools/lib/endpoints";
import { runTool } from "../../helpers/tools";

class FakeOutputs extends StackOutputs {
    constructor(
        private readonly values: Record<string, unknown>,
        private readonly problem?: string,
    ) {
        super("dev");
    }
    override load() {
        return Promise.resolve({ values: this.values, problem: this.problem });
    }
}

void describe("data tool endpoints", () => {
    void it("prefers the flag and says so", async () => {
        const e = await resolveEndpoint(
            "Kafka",
            "--kafka",
            "h:1",
            new FakeOutputs({ kafkaHostBootstrapServers: "x:2" }),
            ["kafkaHostBootstrapServers"],
        );
        assert.deepEqual(e, { value: "h:1", source: "flag --kafka" });
    });

    void it("falls back to the first stack output present, naming it and the stack", async () => {
        const e = await resolveEndpoint(
            "Kafka",
            "--kafka",
            undefined,
            new FakeOutputs({ kafkaBootstrapServers: "b:9092" }),
            ["kafkaHostBootstrapServers", "kafkaBootstrapServers"],
        );
        assert.deepEqual(e, {
            value: "b:9092",
            source: "stack output kafkaBootstrapServers (stack dev)",
        });
    });

    void it("names the flag, the outputs and why the outputs could not be read", async () => {
        await assert.rejects(
            resolveEndpoint(
                "Kafka bootstrap servers",
                "--kafka",
                undefined,
                new FakeOutputs({}, "error: no stack selected"),
                ["kafkaHostBootstrapServers"],
            ),
            (err: unknown) =>
                err instanceof MissingEndpointError &&
                err.message ===
                    "no Kafka bootstrap servers: pass --kafka, or run from the Pulumi project with a deployed stack that outputs kafkaHostBootstrapServers (pulumi stack output failed: error: no stack selected)",
        );
    });

    void it(
        "produce-sales names the unreachable broker and the flag it came from",
        { timeout: 60_000 },
        async () => {
            const port = await freePort();
            const res = await runTool("produce-sales", [
                "data/sales-sample.csv",
                "--kafka",
                `127.0.0.1:${port}`,
            ]);
            assert.equal(res.code, 1);
            assert.match(
                res.stderr,
                new RegExp(
                    `^error: cannot reach Kafka at 127\\.0\\.0\\.1:${port} \\(from flag --kafka\\): `,
                    "m",
                ),
            );
        },
    );
});
