import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
    formatReport,
    isInProgressFile,
    isSinkWorkDir,
    parseExpect,
    parseTarget,
    pipelineTargets,
    sensorIdsFromConnectors,
    sinkFileRecords,
} from "../../../scripts/tools/lib/landing";
import { connectorNote } from "../../../scripts/tools/lib/probes";

void describe("check-landing rules", () => {
    for (const [name, want] of [
        ["transactions+0+0000000000+0000000009.json", 10],
        ["SENSOR_ID_1+2+0000000003+0000000005.json", 3],
        ["UNORGANIZED+0+0000000001+0000000001.txt", 1],
        ["my.topic-1+0+0000000005+0000000005.json", 1],
        ["FlumeData.1700000000000", undefined],
        ["part-m-00000", undefined],
        ["t+0+0000000009+0000000003.json", undefined],
    ] as const) {
        void it(`counts ${name} as ${String(want)} records`, () => {
            assert.equal(sinkFileRecords(name), want);
        });
    }

    void it("skips the HDFS sink's +tmp and +logs directories only", () => {
        assert.deepEqual(
            ["+tmp", "+logs", "transactions", "partition=0", "logs"].map(isSinkWorkDir),
            [true, true, false, false, false],
        );
    });

    void it("skips files still being written", () => {
        assert.deepEqual(
            [
                "_FlumeData.1.tmp",
                "FlumeData.1.tmp",
                ".hidden",
                "_SUCCESS",
                "FlumeData.1",
                "part-m-00000",
            ].map(isInProgressFile),
            [true, true, true, true, false, false],
        );
    });

    void it("lists every seed pipeline's landing places", () => {
        const targets = pipelineTargets(
            ["salesToHdfs", "usersToS3", "carsToHdfs", "powerGrid", "usersCdc", "custom"],
            {
                sensorIds: sensorIdsFromConnectors([
                    "hdfs-sink-sensor-1",
                    "hdfs-sink-sensor-12",
                    "x",
                ]),
            },
        );
        assert.deepEqual(
            targets.map((t) => `${t.label} ${t.kind} ${t.location} ${t.connector ?? "-"}`),
            [
                "salesToHdfs hdfs-sink /sales hdfs-sink-sales",
                "usersToS3 s3 users/created_users/ s3-sink-users",
                "carsToHdfs hdfs-lines /Cars -",
                "powerGrid/sensor1 hdfs-sink /grid-wattage/sensor01 hdfs-sink-sensor-1",
                "powerGrid/sensor12 hdfs-sink /grid-wattage/sensor12 hdfs-sink-sensor-12",
                "powerGrid/unorganized hdfs-sink /unorganized hdfs-sink-unorganized",
                "powerGrid/old-telemetry hdfs-lines /old-telemetry -",
                `usersCdc/jdbc jdbc users_sink.USERS ${targets[7].connector}`,
                `usersCdc/s3 s3 users-cdc/P_USERS/ ${targets[8].connector}`,
            ],
        );
    });

    void it("parses --target and --expect, naming the expected form on error", () => {
        assert.deepEqual(parseTarget("cars=hdfs-lines:/x/Cars@sink-a"), {
            label: "cars",
            kind: "hdfs-lines",
            location: "/x/Cars",
            connector: "sink-a",
        });
        assert.equal(
            parseTarget("cars=ftp:/x"),
            '--target "cars=ftp:/x": expected label=kind:location[@connector], kind one of hdfs-sink, hdfs-lines, s3, jdbc',
        );
        assert.deepEqual(parseExpect("cars=500"), ["cars", 500]);
        assert.equal(parseExpect("cars"), '--expect "cars": expected label=<records>');
    });

    void it("describes a stopped or failed connector", () => {
        assert.equal(connectorNote("a", undefined), "connector a is not deployed");
        assert.equal(
            connectorNote("a", {
                connector: { state: "RUNNING" },
                tasks: [{ id: 0, state: "RUNNING" }],
            }),
            undefined,
        );
        assert.equal(
            connectorNote("a", {
                connector: { state: "PAUSED" },
                tasks: [{ id: 0, state: "PAUSED" }],
            }),
            "connector a is PAUSED, task 0 PAUSED",
        );
        assert.equal(
            connectorNote("a", {
                connector: { state: "RUNNING" },
                tasks: [{ id: 0, state: "FAILED", trace: "org.x.Boom: disk full\n\tat ..." }],
            }),
            "connector a is RUNNING, task 0 FAILED: org.x.Boom: disk full",
        );
    });

    void it("reports what is missing", () => {
        const t = { label: "cars", kind: "hdfs-lines" as const, location: "/Cars" };
        const report = formatReport(
            [
                {
                    target: t,
                    files: 2,
                    records: 300,
                    expected: 500,
                    notes: ["connector c is PAUSED"],
                },
                { target: { ...t, label: "sales" }, files: 1, records: 10, expected: 1, notes: [] },
            ],
            15,
        );
        assert.equal(
            report,
            [
                "MISSING cars    300 records in 2 file(s) at hdfs-lines /Cars (expected ≥ 500)",
                "                - connector c is PAUSED",
                "ok      sales   10 records in 1 file(s) at hdfs-lines /Cars (expected ≥ 1)",
                "1 of 2 target(s) missing after 15 s: cars",
            ].join("\n"),
        );
    });
});
