import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KAFKA_CHART, isLocalChart, kafkaChartSource } from "../../../components/platform/kafka";

describe("kafkaChartSource", () => {
    const cases: [
        string,
        Parameters<typeof kafkaChartSource>[0],
        ReturnType<typeof kafkaChartSource>,
    ][] = [
        ["the Bitnami OCI chart by default", {}, { chart: KAFKA_CHART, version: "32.4.4" }],
        [
            "a chart name in a mirrored repository",
            {
                chart: "kafka",
                chartRepository: "https://charts.example/bitnami",
                chartVersion: "32.4.3",
            },
            {
                chart: "kafka",
                version: "32.4.3",
                repositoryOpts: { repo: "https://charts.example/bitnami" },
            },
        ],
        [
            "a local chart directory, without a version",
            { chart: "/srv/charts/kafka" },
            { chart: "/srv/charts/kafka" },
        ],
        [
            "a directory relative to the project",
            { chart: "./charts/kafka" },
            { chart: "./charts/kafka" },
        ],
    ];
    for (const [what, args, want] of cases) {
        it(`takes ${what}`, () => assert.deepEqual(kafkaChartSource(args), want));
    }

    it("tells directories from repository charts", () => {
        assert.deepEqual(
            ["../kafka", "./kafka", "/kafka", "kafka", KAFKA_CHART].map(isLocalChart),
            [true, true, true, false, false],
        );
    });
});
