import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { recorded, settle, setupMocks } from "../../helpers/mocks";

setupMocks();

const endpoints = {
    host: { kafka: "127.0.0.1:9092", connect: "http://connect:8083" },
    cluster: {
        postgres: { host: "pg", port: 5432, database: "telemetry", username: "ingest" },
    },
    replicationFactor: 1,
    brokers: 1,
    hdfsAdminUser: "hadoop",
    dependsOn: [],
};

async function problems(raw: Record<string, unknown>, brokers = 1): Promise<string[]> {
    const { pipelinesSchema, pipelinePlans, validatePlans } =
        await import("../../../components/pipelines");
    const settings = pipelinesSchema.parse(raw);
    return validatePlans(pipelinePlans(settings, { ...endpoints, brokers }), brokers);
}

const rename = (key: string, what: string) =>
    `Fix: rename one, e.g. pulumi config set --path '${key}' <another ${what}>`;

const cases: [string, Record<string, unknown>, string[]][] = [
    [
        "a user topic named like a seed pipeline's",
        { salesToHdfs: { enabled: true }, topics: [{ name: "transactions" }] },
        [
            `pipelines.topics[0].name: topic "transactions" is also declared by pipelines.salesToHdfs. ${rename("pipelines.topics[0].name", "topic name")}`,
        ],
    ],
    [
        "topics Kafka treats as colliding ('.' and '_')",
        { topics: [{ name: "a.b" }, { name: "a_b" }] },
        [
            `pipelines.topics[1].name: topic "a_b" collides with "a.b" of pipelines.topics[0].name (Kafka treats '.' and '_' alike). ${rename("pipelines.topics[1].name", "topic name")}`,
        ],
    ],
    [
        "topics differing only in case",
        { topics: [{ name: "Sales" }, { name: "sales" }] },
        [
            `pipelines.topics[1].name: topic "sales" clashes with "Sales" of pipelines.topics[0].name (they differ only in case or punctuation, so both would be resource topic-sales). ${rename("pipelines.topics[1].name", "topic name")}`,
        ],
    ],
    [
        "the topic names . and ..",
        { topics: [{ name: "." }, { name: ".." }] },
        [
            `pipelines.topics[0].name: topic name "." is not allowed by Kafka. Fix: pulumi config set --path 'pipelines.topics[0].name' <a topic name>`,
            `pipelines.topics[1].name: topic name ".." is not allowed by Kafka. Fix: pulumi config set --path 'pipelines.topics[1].name' <a topic name>`,
        ],
    ],
    [
        "a topic's replication factor above the broker count",
        { topics: [{ name: "x", replicationFactor: 3 }] },
        [
            `pipelines.topics[0].replicationFactor: replication factor 3 of topic "x" is larger than the 1 broker(s) of this stack. Fix: pulumi config set --path 'pipelines.topics[0].replicationFactor' 1`,
        ],
    ],
    [
        "a topic named like a sensor stream's topic",
        { topics: [{ name: "SENSOR_ID_1" }] },
        [
            `pipelines.topics[0].name: topic "SENSOR_ID_1" is also declared by pipelines.powerGrid.sensors[0]. ${rename("pipelines.topics[0].name", "topic name")}`,
        ],
    ],
    [
        "a user connector named like a built-in one, and a duplicate",
        {
            usersCdc: { enabled: true },
            connectors: [
                { name: "users-cdc-source", config: {} },
                { name: "c", config: {} },
                { name: "c", config: {} },
            ],
        },
        [
            `pipelines.connectors[0].name: connector "users-cdc-source" is the name of a connector pipelines.usersCdc declares. ${rename("pipelines.connectors[0].name", "connector name")}`,
            `pipelines.connectors[2].name: connector "c" is also declared by pipelines.connectors[1].name. ${rename("pipelines.connectors[2].name", "connector name")}`,
        ],
    ],
    [
        "HDFS directories declared twice or with colliding resource names",
        { directories: [{ path: "/Cars" }, { path: "/a_b" }, { path: "/a-b/" }] },
        [
            `pipelines.directories[0].path: HDFS directory "/Cars" is also declared by pipelines.carsToHdfs. ${rename("pipelines.directories[0].path", "path")}`,
            `pipelines.directories[2].path: HDFS directory "/a-b/" clashes with "/a_b" of pipelines.directories[1].path (both would be resource hdfs-dir-a-b). ${rename("pipelines.directories[2].path", "path")}`,
        ],
    ],
    [
        "sensor ids sharing a stream or a directory, each reported once",
        { powerGrid: { sensors: ["1", "01", "a", "A"] } },
        [
            `pipelines.powerGrid.sensors[1]: sensor id "01" duplicates pipelines.powerGrid.sensors[0] "1" (both would use directory /grid-wattage/sensor01). Fix: pulumi config rm --path 'pipelines.powerGrid.sensors[1]'`,
            `pipelines.powerGrid.sensors[3]: sensor id "A" duplicates pipelines.powerGrid.sensors[2] "a" (both would use stream SENSOR_ID_A). Fix: pulumi config rm --path 'pipelines.powerGrid.sensors[3]'`,
        ],
    ],
    [
        "seed 004's sink database being its source database",
        { usersCdc: { enabled: true, sinkDatabase: "telemetry" } },
        [
            `pipelines.usersCdc.sinkDatabase: "telemetry" is the source database, so the JDBC sink would write into the USERS table it reads. Fix: pulumi config set --path 'pipelines.usersCdc.sinkDatabase' users_sink`,
        ],
    ],
    [
        "every seed pipeline on at once, with the defaults",
        {
            salesToHdfs: { enabled: true },
            usersToS3: { enabled: true },
            usersCdc: { enabled: true },
        },
        [],
    ],
];

describe("pipeline name validation", () => {
    for (const [what, raw, expected] of cases) {
        it(`reports ${what}`, async () => {
            assert.deepEqual(await problems(raw), expected);
        });
    }

    it("bounds seed 001's replication 3 by the brokers there are", async () => {
        const { pipelinePlans, pipelinesSchema } = await import("../../../components/pipelines");
        const s = pipelinesSchema.parse({ usersToS3: { enabled: true } });
        const rf = (brokers: number) =>
            pipelinePlans(s, { ...endpoints, brokers }).flatMap((p) =>
                p.topics.filter((t) => t.name === "created_users"),
            )[0].replicationFactor;
        assert.deepEqual([rf(1), rf(3), rf(5)], [1, 3, 3]);
    });

    it("throws one ConfigError listing every problem before registering any resource", async () => {
        const { declarePipelines, pipelinesSchema } = await import("../../../components/pipelines");
        const { ConfigError } = await import("../../../config");
        const settings = pipelinesSchema.parse({
            topics: [{ name: "." }, { name: "Cars" }],
            connectors: [{ name: "hdfs-sink-unorganized", config: {} }],
        });
        assert.throws(
            () => declarePipelines(settings, endpoints),
            (e: unknown) => {
                assert.ok(e instanceof ConfigError);
                assert.ok(pulumi.RunError.isInstance(e), "printed by Pulumi without a stack trace");
                assert.equal(e.problems.length, 3);
                assert.match(e.message, /^Invalid stack configuration \(3 problems\):\n {2}- /);
                return true;
            },
        );
        await settle();
        assert.deepEqual(recorded, []);
    });
});
