import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTopic, untilDescribed } from "../../../connectors/kafkaTopic/resource";

type FakeAdmin = Parameters<typeof untilDescribed>[0];

/** An admin whose metadata shows the topic only after `lag` failed describes. */
function laggingAdmin(lag: number, type = "UNKNOWN_TOPIC_OR_PARTITION") {
    let calls = 0;
    const admin = {
        listTopics: () => Promise.resolve(["t"]),
        fetchTopicMetadata: () => {
            calls++;
            if (calls <= lag) {
                return Promise.reject(Object.assign(new Error("not yet"), { type }));
            }
            return Promise.resolve({
                topics: [{ name: "t", partitions: [{ partitionId: 0, replicas: [1] }] }],
            });
        },
        describeConfigs: () =>
            Promise.resolve({ resources: [{ configEntries: [] }], throttleTime: 0 }),
    } as unknown as FakeAdmin;
    return { admin, calls: () => calls };
}

void describe("untilDescribed (a just-created topic)", () => {
    void it("waits while the brokers answer UNKNOWN_TOPIC_OR_PARTITION, then returns", async () => {
        const { admin, calls } = laggingAdmin(3);
        await untilDescribed(admin, "t", Date.now() + 10_000);
        assert.equal(calls(), 4);
    });

    void it("waits while the leader is not available", async () => {
        const { admin, calls } = laggingAdmin(2, "LEADER_NOT_AVAILABLE");
        await untilDescribed(admin, "t", Date.now() + 10_000);
        assert.equal(calls(), 3);
    });

    void it("fails on any other error at once", async () => {
        const { admin, calls } = laggingAdmin(5, "TOPIC_AUTHORIZATION_FAILED");
        await assert.rejects(untilDescribed(admin, "t", Date.now() + 10_000), /not yet/);
        assert.equal(calls(), 1);
    });

    void it("gives up at the deadline naming the topic", async () => {
        const { admin } = laggingAdmin(1_000);
        await assert.rejects(
            untilDescribed(admin, "t", Date.now() + 500),
            /timed out waiting until topic t is visible in the brokers' metadata/,
        );
    });
});

void describe("createTopic (CreateTopics with kafkajs's wait for leaders)", () => {
    const inputs = {
        name: "t",
        partitions: 1,
        replicationFactor: 1,
        config: {},
        timeoutSeconds: 5,
    };
    const adminThrowing = (e: Error) =>
        ({ createTopics: () => Promise.reject(e) }) as unknown as Parameters<typeof createTopic>[0];

    void it("reads UNKNOWN_TOPIC_OR_PARTITION from the leader wait as created", async () => {
        const e = Object.assign(new Error("This server does not host this topic-partition"), {
            type: "UNKNOWN_TOPIC_OR_PARTITION",
        });
        assert.equal(await createTopic(adminThrowing(e), inputs), true);
    });

    void it("passes every other failure through", async () => {
        const e = Object.assign(new Error("denied"), { type: "TOPIC_AUTHORIZATION_FAILED" });
        await assert.rejects(createTopic(adminThrowing(e), inputs), /denied/);
    });

    void it("returns kafkajs's answer otherwise (false: it already existed)", async () => {
        let sent: unknown;
        const admin = {
            createTopics: (req: unknown) => {
                sent = req;
                return Promise.resolve(false);
            },
        } as unknown as Parameters<typeof createTopic>[0];
        assert.equal(
            await createTopic(admin, { ...inputs, config: { "retention.ms": "1" } }),
            false,
        );
        assert.deepEqual(sent, {
            waitForLeaders: true,
            timeout: 5000,
            topics: [
                {
                    topic: "t",
                    numPartitions: 1,
                    replicationFactor: 1,
                    configEntries: [{ name: "retention.ms", value: "1" }],
                },
            ],
        });
    });
});
