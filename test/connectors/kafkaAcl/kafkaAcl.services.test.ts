/**
 * KafkaAcl and KafkaCertificates against a real Kafka 4.0 broker configured as the prod stack's:
 * a SASL_SSL listener with SCRAM-SHA-512, a server certificate from the program's generator, and
 * the KRaft StandardAuthorizer with nothing allowed without an ACL. Started by this test (the
 * harness's broker is PLAINTEXT) from the harness's Kafka classpath.
 */
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Kafka, logLevel } from "kafkajs";
import {
    javaClientProperties,
    kafkaClientJaasSection,
} from "../../../components/platform/kafkaClient";
import { generateKafkaTls } from "../../../components/platform/kafkaTls";
import {
    kafkaAclProvider,
    type AclBinding,
    type AclInputs,
} from "../../../connectors/kafkaAcl/resource";
import { newClusterId } from "../../../scripts/services/kafka";
import { javaClasspath, serviceEnv } from "../../../scripts/services/control";
import {
    isAlive,
    launch,
    stopProcess,
    type RunningProcess,
} from "../../../scripts/services/process";
import { freePort, runCommand } from "../../../scripts/services/util";
import { eventually } from "../../helpers/eventually";
import {
    producerSettings,
    toolCommand,
    withKafkaOptions,
    type KafkaOptions,
} from "../../../scripts/tools/lib/cli";
import { BatchingProducer } from "../../../scripts/tools/lib/producer";

const env = serviceEnv();
const skip = !env.kafka ? "KAFKA_BOOTSTRAP is not set: run through the services harness" : false;
if (skip) console.log(`# kafkaAcl.services: skipped — ${skip}`);

const ADMIN = { username: "admin", password: "admin-test-password" };
const ALICE = { username: "alice", password: "alice-test-password" };
let work = "";
let broker: RunningProcess | undefined;
let bootstrap = "";
let classpath = "";
const tls = generateKafkaTls({
    commonName: "kafka-acl-it CA",
    dnsNames: ["localhost"],
    ipAddresses: ["127.0.0.1"],
    caValidityDays: 2,
    serverValidityDays: 1,
    providerVersion: "1",
});

const client = (
    user: { username: string; password: string },
    /** `null`: trust only Node's default CAs. */
    ca: string | null = tls.caCert,
) =>
    new Kafka({
        clientId: "kafka-acl-it",
        brokers: [bootstrap],
        ssl: ca === null ? true : { ca: [ca] },
        sasl: { mechanism: "scram-sha-512", ...user },
        logLevel: logLevel.NOTHING,
        connectionTimeout: 5_000,
        retry: { retries: 1 },
    });

const inputs = (bindings: AclBinding[]): AclInputs => ({
    bootstrapServers: bootstrap,
    principal: "User:alice",
    bindings,
    ssl: true,
    ca: tls.caCert,
    sasl: { mechanism: "scram-sha-512", ...ADMIN },
    timeoutSeconds: 30,
    providerVersion: "1",
});

/** Produces one record as alice; resolves the error type, or "ok". */
async function aliceProduces(topic: string): Promise<string> {
    const producer = client(ALICE).producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
        await producer.send({ topic, messages: [{ value: "x" }] });
        return "ok";
    } catch (e) {
        // kafkajs wraps the broker's answer (e.g. a retriable error after its retries).
        for (let err = e as { type?: string; cause?: unknown } | undefined; err;) {
            if (err.type) return err.type;
            err = err.cause as typeof err;
        }
        return String(e);
    } finally {
        await producer.disconnect();
    }
}

void describe("KafkaAcl against SASL_SSL + SCRAM + StandardAuthorizer Kafka", { skip }, () => {
    before(async () => {
        work = mkdtempSync(join(tmpdir(), "kafka-acl-it-"));
        mkdirSync(join(work, "data"));
        const [port, controllerPort] = [await freePort(), await freePort()];
        bootstrap = `127.0.0.1:${port}`;
        // The broker's PEM keystore: key then chain; its truststore: the CA (for inter-broker).
        writeFileSync(join(work, "keystore.pem"), tls.serverKey + tls.serverCert, { mode: 0o600 });
        writeFileSync(join(work, "ca.pem"), tls.caCert);
        const scram = (u: { username: string; password: string }) =>
            `org.apache.kafka.common.security.scram.ScramLoginModule required username="${u.username}" password="${u.password}";`;
        const props: Record<string, string | number> = {
            "process.roles": "broker,controller",
            "node.id": 1,
            "controller.quorum.voters": `1@127.0.0.1:${controllerPort}`,
            listeners: `SASL_SSL://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
            "advertised.listeners": `SASL_SSL://127.0.0.1:${port}`,
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "SASL_SSL",
            "listener.security.protocol.map": "SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT",
            "sasl.enabled.mechanisms": "SCRAM-SHA-512",
            "sasl.mechanism.inter.broker.protocol": "SCRAM-SHA-512",
            "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config": scram(ADMIN),
            "ssl.keystore.type": "PEM",
            "ssl.keystore.location": join(work, "keystore.pem"),
            "ssl.truststore.type": "PEM",
            "ssl.truststore.location": join(work, "ca.pem"),
            "ssl.client.auth": "none",
            "ssl.endpoint.identification.algorithm": "https",
            "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "allow.everyone.if.no.acl.found": "false",
            // The local controller listener is PLAINTEXT (ANONYMOUS); prod's is SASL_SSL/PLAIN.
            "super.users": "User:admin;User:ANONYMOUS",
            "log.dirs": join(work, "data"),
            "offsets.topic.replication.factor": 1,
            "offsets.topic.num.partitions": 1,
            "transaction.state.log.replication.factor": 1,
            "transaction.state.log.min.isr": 1,
            "share.coordinator.state.topic.replication.factor": 1,
            "share.coordinator.state.topic.min.isr": 1,
        };
        const propsFile = join(work, "server.properties");
        writeFileSync(
            propsFile,
            Object.entries(props)
                .map(([k, v]) => `${k}=${v}`)
                .join("\n") + "\n",
            { mode: 0o600 },
        );
        classpath = await javaClasspath("kafka");
        const format = await runCommand("java", [
            "-cp",
            classpath,
            "kafka.tools.StorageTool",
            "format",
            "--cluster-id",
            newClusterId(),
            "--config",
            propsFile,
            ...[ADMIN, ALICE].flatMap((u) => [
                "--add-scram",
                `SCRAM-SHA-512=[name=${u.username},password=${u.password}]`,
            ]),
        ]);
        assert.equal(format.code, 0, format.stdout + format.stderr);
        broker = launch({
            name: "kafka-acl-it",
            command: "java",
            args: [
                "-Xmx384m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                classpath,
                "kafka.Kafka",
                propsFile,
            ],
            logFile: join(work, "kafka.log"),
        });
        await eventually(
            `SASL_SSL broker at ${bootstrap}`,
            async () => {
                if (!isAlive(broker!.pid)) throw new Error(`broker exited; see ${broker!.logFile}`);
                const admin = client(ADMIN).admin();
                await admin.connect();
                try {
                    return (await admin.describeCluster()).brokers.length > 0 ? true : undefined;
                } finally {
                    await admin.disconnect();
                }
            },
            120_000,
        );
        const admin = client(ADMIN).admin();
        await admin.connect();
        await admin.createTopics({
            topics: [{ topic: "acl-it", numPartitions: 1 }],
            waitForLeaders: true,
        });
        await admin.disconnect();
    });

    after(async () => {
        if (broker) await stopProcess(broker);
        if (work) rmSync(work, { recursive: true, force: true });
    });

    void it("serves TLS with the generated certificate: verified with the CA, refused without it", async () => {
        const admin = client(ADMIN).admin();
        await admin.connect();
        assert.ok((await admin.listTopics()).includes("acl-it"));
        await admin.disconnect();
        // Node's default trust store does not know the program's CA.
        const untrusting = client(ADMIN, null).admin();
        await assert.rejects(async () => {
            await untrusting.connect();
            await untrusting.listTopics();
        }, /self[- ]signed|unable to verify|certificate/i);
        await untrusting.disconnect().catch(() => undefined);
    });

    void it(
        "grants, narrows and removes a user's access through the provider",
        { timeout: 180_000 },
        async () => {
            const write: AclBinding[] = [
                {
                    resourceType: "topic",
                    name: "acl-it",
                    pattern: "literal",
                    operation: "DESCRIBE",
                },
                { resourceType: "topic", name: "acl-it", pattern: "literal", operation: "WRITE" },
            ];
            assert.equal(await aliceProduces("acl-it"), "TOPIC_AUTHORIZATION_FAILED");

            const created = await kafkaAclProvider.create(inputs(write));
            assert.equal(created.id, "User:alice");
            const read = await kafkaAclProvider.read!(created.id, created.outs);
            assert.deepEqual((read.props as AclInputs).bindings, write);
            // ACLs reach the authorizer through the metadata log: allow a moment.
            await eventually(
                "alice may produce",
                async () => ((await aliceProduces("acl-it")) === "ok" ? true : undefined),
                30_000,
            );

            await kafkaAclProvider.update!(created.id, created.outs, inputs(write.slice(0, 1)));
            const narrowed = await kafkaAclProvider.read!(created.id, created.outs);
            assert.deepEqual((narrowed.props as AclInputs).bindings, write.slice(0, 1));
            await eventually(
                "alice may no longer produce",
                async () =>
                    (await aliceProduces("acl-it")) === "TOPIC_AUTHORIZATION_FAILED"
                        ? true
                        : undefined,
                30_000,
            );

            await kafkaAclProvider.delete!(created.id, inputs(write.slice(0, 1)));
            const gone = await kafkaAclProvider.read!(created.id, created.outs);
            assert.deepEqual((gone.props as AclInputs).bindings, []);
        },
    );

    void it(
        "a JVM client logs in with the platform's JAAS file and PEM truststore settings, no password in its properties",
        { timeout: 180_000 },
        async () => {
            // What Connect and ksqlDB get: the KafkaClient section in a file, the protocol,
            // mechanism and PEM truststore as properties (the CA path is local here).
            const jaas = await new Promise<string>((res) =>
                kafkaClientJaasSection("SCRAM-SHA-512", ALICE.username, ALICE.password).apply(res),
            );
            writeFileSync(join(work, "client-jaas.conf"), jaas, { mode: 0o600 });
            const props = {
                ...javaClientProperties("SASL_SSL", "SCRAM-SHA-512", true),
                "ssl.truststore.location": join(work, "ca.pem"),
            };
            assert.ok(!Object.keys(props).some((k) => k.includes("jaas")));
            writeFileSync(
                join(work, "client.properties"),
                Object.entries(props)
                    .map(([k, v]) => `${k}=${v}`)
                    .join("\n") + "\n",
            );
            const list = () =>
                runCommand("java", [
                    `-Djava.security.auth.login.config=${join(work, "client-jaas.conf")}`,
                    "-cp",
                    classpath,
                    "org.apache.kafka.tools.TopicCommand",
                    "--bootstrap-server",
                    bootstrap,
                    "--command-config",
                    join(work, "client.properties"),
                    "--list",
                ]);
            // Logged in, but no ACL: the topic is invisible to alice.
            const before = await list();
            assert.equal(before.code, 0, before.stdout + before.stderr);
            assert.doesNotMatch(before.stdout, /acl-it/);
            const describe: AclBinding[] = [
                {
                    resourceType: "topic",
                    name: "acl-it",
                    pattern: "literal",
                    operation: "DESCRIBE",
                },
            ];
            const created = await kafkaAclProvider.create(inputs(describe));
            try {
                await eventually(
                    "alice's JVM client sees the topic",
                    async () => ((await list()).stdout.includes("acl-it") ? true : undefined),
                    60_000,
                    1_000,
                );
            } finally {
                await kafkaAclProvider.delete!(created.id, inputs(describe));
            }
        },
    );

    void it(
        "lets the data tools' producer send with --sasl-mechanism scram-sha-512 and --ca-file",
        { timeout: 120_000 },
        async () => {
            const topic = "tools-tls";
            const admin = client(ADMIN).admin();
            await admin.connect();
            await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
            const caFile = join(work, "tools-ca.pem");
            writeFileSync(caFile, tls.caCert);
            const cmd = withKafkaOptions(toolCommand("it", "test"), topic).exitOverride();
            cmd.parse(["--kafka", bootstrap, "--sasl-user", ADMIN.username, "--ca-file", caFile], {
                from: "user",
            });
            const saved = process.env.KAFKA_SASL_PASSWORD;
            process.env.KAFKA_SASL_PASSWORD = ADMIN.password;
            let settings;
            try {
                settings = producerSettings(
                    cmd.opts<KafkaOptions>(),
                    { value: bootstrap, source: "flag --kafka" },
                    "tools-tls-it",
                );
            } finally {
                if (saved === undefined) delete process.env.KAFKA_SASL_PASSWORD;
                else process.env.KAFKA_SASL_PASSWORD = saved;
            }
            assert.equal(settings.sasl?.mechanism, "scram-sha-512");
            const producer = new BatchingProducer(settings);
            await producer.connect();
            for (let i = 0; i < 500; i++) {
                await producer.send({ key: `k${i % 7}`, value: `record ${i}` });
            }
            await producer.close();
            const offsets = await admin.fetchTopicOffsets(topic);
            await admin.disconnect();
            assert.equal(
                offsets.reduce((n, p) => n + Number(p.high), 0),
                500,
            );
        },
    );

    void it("refuses ACL changes from a user who is not a super user, naming what to check", async () => {
        const asAlice = { ...inputs([]), sasl: { mechanism: "scram-sha-512", ...ALICE } };
        await assert.rejects(
            kafkaAclProvider.create({
                ...asAlice,
                bindings: [
                    {
                        resourceType: "topic",
                        name: "acl-it",
                        pattern: "literal",
                        operation: "READ",
                    },
                ],
            }),
            /ACLs of User:alice at 127\.0\.0\.1:\d+: .*CLUSTER_AUTHORIZATION_FAILED.*super\.users/,
        );
    });
});
