import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type * as kafkajs from "kafkajs";
import {
    type AclAdmin,
    type AclBinding,
    type AclInputs,
    aclEntry,
    checkAcl,
    converge,
    diffAcl,
    explainAclError,
    liveBindings,
} from "../../../connectors/kafkaAcl/resource";

/** An in-memory ACL store with Kafka's filter semantics (1 = ANY matches everything). */
class FakeAdmin implements AclAdmin {
    entries: kafkajs.AclEntry[] = [];
    calls: string[] = [];
    private static matches(f: kafkajs.AclFilter, e: kafkajs.AclEntry) {
        const eq = (a: unknown, b: unknown) => a === undefined || a === 1 || a === b;
        return (
            eq(f.resourceType, e.resourceType) &&
            (f.resourceName === undefined || f.resourceName === e.resourceName) &&
            eq(f.resourcePatternType, e.resourcePatternType) &&
            (f.principal === undefined || f.principal === e.principal) &&
            (f.host === undefined || f.host === e.host) &&
            eq(f.operation, e.operation) &&
            eq(f.permissionType, e.permissionType)
        );
    }
    createAcls(o: { acl: kafkajs.AclEntry[] }) {
        this.calls.push(`create ${o.acl.length}`);
        this.entries.push(...o.acl);
        return Promise.resolve(true);
    }
    describeAcls(f: kafkajs.AclFilter) {
        this.calls.push("describe");
        const hits = this.entries.filter((e) => FakeAdmin.matches(f, e));
        const resources = hits.map((e) => ({
            resourceType: e.resourceType,
            resourceName: e.resourceName,
            resourcePatternType: e.resourcePatternType,
            acls: [
                {
                    principal: e.principal,
                    host: e.host,
                    operation: e.operation,
                    permissionType: e.permissionType,
                },
            ],
        }));
        return Promise.resolve({ throttleTime: 0, errorCode: 0, resources });
    }
    deleteAcls(o: { filters: kafkajs.AclFilter[] }) {
        this.calls.push(`delete ${o.filters.length}`);
        this.entries = this.entries.filter((e) => !o.filters.some((f) => FakeAdmin.matches(f, e)));
        return Promise.resolve({ throttleTime: 0, filterResponses: [] });
    }
}

const read = (name: string): AclBinding => ({
    resourceType: "topic",
    name,
    pattern: "literal",
    operation: "READ",
});

describe("KafkaAcl", () => {
    it("check normalizes (sorted, de-duplicated, cluster name) and names each bad binding", () => {
        const ok = checkAcl({
            bootstrapServers: "k:9092",
            principal: "User:connect",
            bindings: [
                read("b"),
                read("a"),
                read("b"),
                { resourceType: "cluster", operation: "DESCRIBE" },
            ],
        });
        assert.deepEqual(ok.failures, []);
        assert.deepEqual(ok.inputs.bindings, [
            {
                resourceType: "cluster",
                name: "kafka-cluster",
                pattern: "literal",
                operation: "DESCRIBE",
            },
            read("a"),
            read("b"),
        ]);
        const bad = checkAcl({
            bootstrapServers: "k",
            principal: "connect",
            bindings: [
                { resourceType: "topics", name: "x", operation: "READ" },
                { ...read(""), operation: "PEEK" },
            ],
        });
        assert.deepEqual(
            bad.failures?.map((f) => `${f.property}: ${f.reason}`),
            [
                "principal: principal must be User:<name>",
                "bootstrapServers: bootstrapServers must be host:port[,host:port...]",
                "bindings[0]: resourceType must be one of topic, group, cluster, transactionalId",
                "bindings[1]: operation must be one of ALL, READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE",
                "bindings[1]: name must be a non-empty string (`*` for every resource)",
            ],
        );
    });

    it("diff: bindings and endpoints update in place, a new principal replaces", () => {
        const base = checkAcl({
            bootstrapServers: "k:9092",
            principal: "User:a",
            bindings: [read("x")],
        }).inputs as AclInputs;
        assert.deepEqual(diffAcl(base, { ...base }), { changes: [], replaces: [] });
        assert.deepEqual(diffAcl(base, { ...base, bindings: [read("x"), read("y")] }).changes, [
            "bindings",
        ]);
        assert.deepEqual(diffAcl(base, { ...base, principal: "User:b" }).replaces, ["principal"]);
        assert.deepEqual(diffAcl(base, { ...base, ssl: true, ca: "pem" }).changes, ["ssl", "ca"]);
    });

    it("converge creates what is missing, removes what is no longer declared, keeps other principals", async () => {
        const admin = new FakeAdmin();
        await admin.createAcls({ acl: [aclEntry("User:other", read("x"))] });
        await converge(admin, "User:connect", [read("x"), read("y")]);
        assert.deepEqual(await liveBindings(admin, "User:connect"), [read("x"), read("y")]);
        // Drift added out of band is reported by read and removed by the next converge.
        await admin.createAcls({ acl: [aclEntry("User:connect", read("z"))] });
        assert.deepEqual(await liveBindings(admin, "User:connect"), [
            read("x"),
            read("y"),
            read("z"),
        ]);
        admin.calls = [];
        await converge(admin, "User:connect", [read("y")]);
        assert.deepEqual(admin.calls, ["describe", "delete 2", "describe"]);
        assert.deepEqual(await liveBindings(admin, "User:connect"), [read("y")]);
        // Unchanged: no write at all.
        admin.calls = [];
        await converge(admin, "User:connect", [read("y")]);
        assert.deepEqual(admin.calls, ["describe", "describe"]);
        // Delete = converge to nothing; the other principal's ACL survives.
        await converge(admin, "User:connect", []);
        assert.deepEqual(await liveBindings(admin, "User:connect"), []);
        assert.deepEqual(await liveBindings(admin, "User:other"), [read("x")]);
    });

    it("maps bindings to Kafka's codes: prefixed group READ for User:connect from any host", () => {
        assert.deepEqual(
            aclEntry("User:connect", {
                resourceType: "group",
                name: "connect-",
                pattern: "prefixed",
                operation: "READ",
            }),
            {
                resourceType: 3,
                resourceName: "connect-",
                resourcePatternType: 4,
                principal: "User:connect",
                host: "*",
                operation: 3,
                permissionType: 3,
            },
        );
    });

    it("fails when the brokers do not keep a declared binding", async () => {
        const admin = new FakeAdmin();
        admin.createAcls = () => Promise.resolve(true); // accepted, never stored
        await assert.rejects(
            converge(admin, "User:flume", [read("Cars")]),
            /ACLs of User:flume: the brokers did not keep 1 of the declared bindings \(e.g. READ on topic Cars\)/,
        );
    });

    it("explains an authorizer-less broker and a non-super admin without credentials", () => {
        const p = {
            principal: "User:x",
            bootstrapServers: "k:9092",
            sasl: { password: "s3cret" },
        } as AclInputs;
        const e = (type: string) =>
            Object.assign(new Error("denied"), { name: "KafkaJSProtocolError", type });
        const said = (explainAclError(p, e("SECURITY_DISABLED")) as Error).message;
        assert.match(said, /ACLs of User:x at k:9092: .*SECURITY_DISABLED.*no authorizer/);
        assert.match(
            (explainAclError(p, e("CLUSTER_AUTHORIZATION_FAILED")) as Error).message,
            /super.users/,
        );
        assert.doesNotMatch(said, /s3cret/);
    });
});
