/**
 * Who may do what in the platform's Kafka (`security: sasl`): one `KafkaAcl` per client user,
 * derived from the wiring. The brokers refuse everything without an ACL
 * (`allow.everyone.if.no.acl.found=false`); the operator user (topic and ACL resources) is a
 * super user, since creating the others' ACLs needs cluster-wide ALTER anyway.
 */
import * as pulumi from "@pulumi/pulumi";
import { KafkaAcl, type AclBinding } from "../../connectors/kafkaAcl/resource";
import type { Kafka, KafkaClientRole } from "./kafka";

/** What the ACLs are derived from. */
export interface KafkaAccessScope {
    /** Connect's group id, which also prefixes its internal topics. */
    readonly connectGroupId: string;
    /** ksqlDB's `ksql.service.id`. */
    readonly ksqlServiceId: string;
    /** Every topic the pipelines declare (theirs, ksqlDB's streams', the stack's own). */
    readonly topics: readonly string[];
}

const on = (
    resourceType: AclBinding["resourceType"],
    name: string,
    operations: readonly AclBinding["operation"][],
    pattern: AclBinding["pattern"] = "literal",
): AclBinding[] => operations.map((operation) => ({ resourceType, name, pattern, operation }));

const eachTopic = (topics: readonly string[], operations: readonly AclBinding["operation"][]) =>
    topics.flatMap((t) => on("topic", t, operations));

/**
 * The ALLOW bindings of each client user (every role but the operator). Topic access is per
 * declared topic, not per connector or stream: what each connector reads or writes is in its
 * config, which the platform does not parse.
 */
export function kafkaClientAcls(
    scope: KafkaAccessScope,
): Record<Exclude<KafkaClientRole, "operator">, AclBinding[]> {
    const topics = [...new Set(scope.topics)].sort();
    const g = scope.connectGroupId;
    const ksql = `_confluent-ksql-${scope.ksqlServiceId}`;
    return {
        // The worker group, its three internal topics (created by the workers), the sink
        // connectors' consumer groups (`connect-<connector>`) and the pipelines' topics.
        connect: [
            ...on("group", g, ["READ", "DESCRIBE"]),
            ...on("group", "connect-", ["READ", "DESCRIBE"], "prefixed"),
            ...on(
                "topic",
                `${g}-`,
                ["CREATE", "READ", "WRITE", "DESCRIBE", "DESCRIBE_CONFIGS"],
                "prefixed",
            ),
            ...eachTopic(topics, ["READ", "WRITE", "DESCRIBE", "DESCRIBE_CONFIGS"]),
            ...on("cluster", "kafka-cluster", ["DESCRIBE"]),
        ],
        // ksqlDB's documented needs for one service id: its internal topics and groups, the
        // processing log, transactional ids for exactly-once; plus the streams' topics, which
        // CREATE STREAM AS SELECT creates.
        ksqldb: [
            ...on("topic", ksql, ["ALL"], "prefixed"),
            ...on("group", ksql, ["ALL"], "prefixed"),
            ...on("topic", `${scope.ksqlServiceId}ksql_processing_log`, ["ALL"]),
            ...on("transactionalId", scope.ksqlServiceId, ["ALL"], "prefixed"),
            ...eachTopic(topics, ["CREATE", "READ", "WRITE", "DESCRIBE", "DESCRIBE_CONFIGS"]),
            ...on("cluster", "kafka-cluster", ["DESCRIBE", "DESCRIBE_CONFIGS"]),
        ],
        // Read-only UI: browse every topic and group (`*`: Kafka's wildcard), change nothing.
        console: [
            ...on("topic", "*", ["READ", "DESCRIBE", "DESCRIBE_CONFIGS"]),
            ...on("group", "*", ["DESCRIBE"]),
            ...on("cluster", "kafka-cluster", ["DESCRIBE", "DESCRIBE_CONFIGS"]),
        ],
        // Agents write the pipelines' topics; Kafka sources read them in groups `flume-<agent>`.
        flume: [
            ...eachTopic(topics, ["READ", "WRITE", "DESCRIBE"]),
            ...on("group", "flume-", ["READ", "DESCRIBE"], "prefixed"),
        ],
        // The data tools only produce.
        producer: eachTopic(topics, ["WRITE", "DESCRIBE"]),
    };
}

/** Arguments for {@link deployKafkaAccess}. */
export interface KafkaAccessArgs extends KafkaAccessScope {
    /** The Kafka component (with `security: sasl`). */
    readonly kafka: Kafka;
    /** Bootstrap servers the machine running `pulumi` reaches. */
    readonly bootstrapServers: pulumi.Input<string>;
    /** Named when no broker answers. */
    readonly endpointHint?: string;
    /** Resources the ACLs wait for (the Kafka chart). */
    readonly dependsOn?: pulumi.Resource[];
}

/** One `KafkaAcl` per client user, managed as the operator; none when SASL is off. */
export function deployKafkaAccess(args: KafkaAccessArgs): Record<string, KafkaAcl> {
    const users = args.kafka.users;
    if (users === undefined) return {};
    const acls = kafkaClientAcls(args);
    return Object.fromEntries(
        (Object.keys(acls) as (keyof typeof acls)[]).map((role) => [
            role,
            new KafkaAcl(
                `kafka-acl-${role}`,
                {
                    bootstrapServers: args.bootstrapServers,
                    principal: `User:${users[role].username}`,
                    bindings: acls[role],
                    ssl: args.kafka.caCert !== undefined,
                    ca: args.kafka.caCert,
                    sasl: {
                        mechanism: "scram-sha-512",
                        username: users.operator.username,
                        password: users.operator.password,
                    },
                    endpointHint: args.endpointHint,
                },
                { dependsOn: args.dependsOn ?? [args.kafka] },
            ),
        ]),
    );
}
