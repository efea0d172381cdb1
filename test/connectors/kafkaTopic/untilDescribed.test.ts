import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { untilDescribed } from "../../../connectors/kafkaTopic/resource";

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
