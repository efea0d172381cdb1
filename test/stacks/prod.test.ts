import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { X509Certificate, createPrivateKey } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import {
    isSecretValue,
    unwrapSecret,
    one,
    protectOf,
    ofType,
    plaintextOccurrences,
    recorded,
    resolve,
    settle,
} from "../helpers/mocks";
import { MOCK_PASSWORD, runStack } from "../helpers/stack";
import { podTemplates, restrictedViolations } from "../components/platform/podSecurity";
import { allowed, kafkaChartPolicy, type SimPod } from "../components/platform/networkSim";

const PG_PASSWORD = "prod-postgres-password-from-secret-config";

describe("prod stack", () => {
    let program: Record<string, unknown>;
    // index.ts's outputs, whether exported by name or as one `export =` object.
    const output = (name: string) =>
        program[name] ?? (program.default as Record<string, unknown> | undefined)?.[name];
    before(async () => {
        program = await runStack("prod", {
            overrides: { "ingest-platform:postgresPassword": PG_PASSWORD },
            secretKeys: ["ingest-platform:postgresPassword"],
        });
        await resolve(output("connectUrl") as pulumi.Output<string>);
        await settle();
    });

    it("runs three combined KRaft nodes with replication 3 and min ISR 2", () => {
        const values = one("kubernetes:helm.sh/v4:Chart", "kafka").inputs.values as Record<
            string,
            any
        >;
        assert.equal(values.controller.replicaCount, 3);
        assert.equal(values.broker.replicaCount, 0);
        assert.equal(values.controller.persistence.size, "100Gi");
        assert.deepEqual(values.overrideConfiguration, {
            "listener.name.client.sasl.enabled.mechanisms": "SCRAM-SHA-512",
            "listener.name.internal.sasl.enabled.mechanisms": "SCRAM-SHA-512",
            "listener.name.external.sasl.enabled.mechanisms": "SCRAM-SHA-512",
            "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "allow.everyone.if.no.acl.found": "false",
            "super.users": "User:inter_broker_user;User:controller_user;User:ingest",
            "auto.create.topics.enable": "false",
            "default.replication.factor": "3",
            "min.insync.replicas": "2",
            "offsets.topic.replication.factor": "3",
            "transaction.state.log.replication.factor": "3",
            "transaction.state.log.min.isr": "2",
        });
        assert.equal(values.externalAccess.enabled, false);
    });

    it("uses SASL_SSL on every listener with one generated user per client, no password as a chart value", () => {
        const values = one("kubernetes:helm.sh/v4:Chart", "kafka").inputs.values as Record<
            string,
            any
        >;
        for (const l of ["client", "controller", "interbroker", "external"]) {
            assert.equal(values.listeners[l].protocol, "SASL_SSL", l);
        }
        assert.equal(values.sasl.existingSecret, "kafka-sasl");
        assert.deepEqual(values.sasl.client.users, [
            "ingest",
            "connect",
            "ksqldb",
            "console",
            "flume",
            "producer",
        ]);
        assert.equal(values.sasl.interbroker.user, "inter_broker_user");
        assert.equal(values.sasl.controller.user, "controller_user");
        // Six client users, inter-broker, controller, keystore and truststore.
        assert.equal(
            ofType("random:index/randomPassword:RandomPassword").filter((r) =>
                r.name.startsWith("kafka-"),
            ).length,
            10,
        );
        const sasl = one("kubernetes:core/v1:Secret", "kafka-sasl");
        assert.ok(isSecretValue(sasl.inputs.stringData));
        assert.equal(
            unwrapSecret<Record<string, string>>(sasl.inputs.stringData)["client-passwords"].split(
                ",",
            ).length,
            6,
            "one password per user, in the users' order",
        );
        for (const role of ["ingest", "connect", "ksqldb", "console", "flume", "producer"]) {
            const name = role === "ingest" ? "operator" : role;
            const user = one("kubernetes:core/v1:Secret", `kafka-user-${name}`);
            assert.ok(isSecretValue(user.inputs.stringData), name);
            assert.equal(
                unwrapSecret<Record<string, string>>(user.inputs.stringData).username,
                role,
            );
        }
        // No password, generated or not, in plain text anywhere in the graph.
        for (const r of recorded) {
            assert.deepEqual(plaintextOccurrences(r.inputs, [MOCK_PASSWORD]), [], r.name);
        }
    });

    it("encrypts every Kafka listener with the program's CA, generated once and kept as a secret", () => {
        const values = one("kubernetes:helm.sh/v4:Chart", "kafka").inputs.values as any;
        assert.deepEqual(values.tls, {
            type: "PEM",
            autoGenerated: { enabled: false },
            existingSecret: "kafka-tls",
            passwordsSecret: "kafka-tls-passwords",
            pemChainIncluded: false,
            sslClientAuth: "none",
            endpointIdentificationAlgorithm: "https",
        });
        const certs = one("pulumi-nodejs:dynamic/ingest:KafkaCertificates", "kafka-certificates");
        assert.deepEqual(certs.inputs.dnsNames, [
            "kafka.ingest.svc.cluster.local",
            "kafka.ingest.svc",
            "kafka.ingest",
            "kafka",
            "*.kafka-controller-headless.ingest.svc.cluster.local",
            "*.kafka-controller-headless.ingest.svc",
        ]);
        const tls = one("kubernetes:core/v1:Secret", "kafka-tls");
        assert.ok(isSecretValue(tls.inputs.stringData), "the server key is a secret");
        const pem = unwrapSecret<Record<string, string>>(tls.inputs.stringData);
        const server = new X509Certificate(pem["tls.crt"]);
        const ca = new X509Certificate(pem["ca.crt"]);
        assert.ok(server.checkIssued(ca) && server.verify(ca.publicKey));
        for (const host of [
            "kafka.ingest.svc.cluster.local",
            "kafka-controller-2.kafka-controller-headless.ingest.svc.cluster.local",
        ]) {
            assert.ok(server.checkHost(host), host);
        }
        assert.ok(server.checkPrivateKey(createPrivateKey(pem["tls.key"])));
        const caMap = one("kubernetes:core/v1:ConfigMap", "kafka-ca").inputs.data as any;
        assert.equal(caMap["ca.crt"], pem["ca.crt"], "clients trust exactly the brokers' CA");
        assert.ok(
            isSecretValue(
                one("kubernetes:core/v1:Secret", "kafka-tls-passwords").inputs.stringData,
            ),
        );
    });

    it("gives every in-cluster client its own user, the CA and its password only as a file", () => {
        const pod = (name: string) =>
            (one("kubernetes:apps/v1:Deployment", name).inputs.spec as any).template.spec;
        const env = (name: string) =>
            pod(name).containers[0].env as { name: string; value?: string; valueFrom?: any }[];
        const value = (name: string, key: string) => env(name).find((e) => e.name === key)?.value;
        const mountOf = (name: string, volume: string) =>
            pod(name).containers[0].volumeMounts.find((m: any) => m.name === volume)?.mountPath;
        for (const name of ["connect", "ksqldb", "console", "flume-cars"]) {
            // No variable holds or references a Kafka password.
            for (const e of env(name)) {
                assert.ok(
                    !/KAFKA_SASL_PASSWORD$|SASL_JAAS_CONFIG$/.test(e.name),
                    `${name}: ${e.name}`,
                );
                assert.ok(
                    e.valueFrom?.secretKeyRef?.name === undefined ||
                        !String(e.valueFrom.secretKeyRef.name).startsWith("kafka"),
                    `${name}: ${e.name}`,
                );
            }
            assert.deepEqual(
                pod(name).volumes.find((v: any) => v.name === "kafka-ca").configMap,
                { name: "kafka-ca" },
                name,
            );
            assert.equal(mountOf(name, "kafka-ca"), "/etc/kafka-ca", name);
        }
        for (const prefix of [
            "CONNECT_",
            "CONNECT_PRODUCER_",
            "CONNECT_CONSUMER_",
            "CONNECT_ADMIN_",
        ]) {
            assert.equal(value("connect", `${prefix}SECURITY_PROTOCOL`), "SASL_SSL", prefix);
            assert.equal(value("connect", `${prefix}SASL_MECHANISM`), "SCRAM-SHA-512", prefix);
            assert.equal(value("connect", `${prefix}SSL_TRUSTSTORE_TYPE`), "PEM", prefix);
            assert.equal(
                value("connect", `${prefix}SSL_TRUSTSTORE_LOCATION`),
                "/etc/kafka-ca/ca.crt",
                prefix,
            );
        }
        assert.equal(value("connect", "CONNECT_CONNECTOR_CLIENT_CONFIG_OVERRIDE_POLICY"), "None");
        const jaasOf = (secret: string) =>
            unwrapSecret<Record<string, string>>(
                one("kubernetes:core/v1:Secret", secret).inputs.stringData,
            )["jaas.conf"];
        for (const [name, user] of [
            ["connect", "connect"],
            ["ksqldb", "ksqldb"],
        ]) {
            assert.ok(
                isSecretValue(one("kubernetes:core/v1:Secret", `${name}-jaas`).inputs.stringData),
            );
            const login = [
                "KafkaClient {",
                "  org.apache.kafka.common.security.scram.ScramLoginModule required",
                `  username="${user}"`,
                `  password="${MOCK_PASSWORD}";`,
                "};",
            ].join("\n");
            assert.ok(jaasOf(`${name}-jaas`).includes(login), name);
        }
        assert.equal(value("ksqldb", "KSQL_SECURITY_PROTOCOL"), "SASL_SSL");
        assert.equal(value("ksqldb", "KSQL_SSL_TRUSTSTORE_LOCATION"), "/etc/kafka-ca/ca.crt");
        // The console: its user in env, its password in a mounted config file, TLS with the CA.
        assert.equal(value("console", "KAFKA_SASL_USERNAME"), "console");
        assert.equal(value("console", "KAFKA_SASL_MECHANISM"), "SCRAM-SHA-512");
        assert.equal(value("console", "KAFKA_TLS_ENABLED"), "true");
        assert.equal(value("console", "KAFKA_TLS_CAFILEPATH"), "/etc/kafka-ca/ca.crt");
        assert.equal(value("console", "CONFIG_FILEPATH"), "/etc/console/config.yaml");
        assert.equal(mountOf("console", "config"), "/etc/console");
        const consoleConfig = one("kubernetes:core/v1:Secret", "console-config").inputs.stringData;
        assert.ok(isSecretValue(consoleConfig));
        assert.deepEqual(
            JSON.parse(unwrapSecret<Record<string, string>>(consoleConfig)["config.yaml"]),
            {
                kafka: { sasl: { password: MOCK_PASSWORD } },
            },
        );
        // Flume: the flume user's Secret mounted as a file the launcher reads; TLS in flume.conf.
        assert.equal(value("flume-cars", "KAFKA_SASL_PASSWORD_FILE"), "/etc/flume-kafka/password");
        assert.deepEqual(
            pod("flume-cars").volumes.find((v: any) => v.name === "kafka-sasl").secret,
            {
                secretName: "kafka-user-flume",
                items: [{ key: "password", path: "password" }],
                defaultMode: 0o440,
            },
        );
        const flume = (one("kubernetes:core/v1:ConfigMap", "flume-cars-config").inputs.data as any)[
            "flume.conf"
        ];
        assert.match(flume, /security\.protocol = SASL_SSL/);
        assert.match(flume, /sasl\.mechanism = SCRAM-SHA-512/);
        assert.match(flume, /ScramLoginModule required username="flume"/);
        assert.match(flume, /ssl\.truststore\.type = PEM/);
        assert.match(flume, /ssl\.truststore\.location = \/etc\/kafka-ca\/ca\.crt/);
    });

    it("authenticates every Kafka client with SCRAM-SHA-512, PLAIN left to the controllers only", () => {
        const values = one("kubernetes:helm.sh/v4:Chart", "kafka").inputs.values as any;
        assert.equal(values.sasl.enabledMechanisms, "PLAIN,SCRAM-SHA-512");
        assert.equal(values.sasl.interBrokerMechanism, "SCRAM-SHA-512");
        assert.equal(values.sasl.controllerMechanism, "PLAIN");
        for (const listener of ["client", "internal", "external"]) {
            assert.equal(
                values.overrideConfiguration[`listener.name.${listener}.sasl.enabled.mechanisms`],
                "SCRAM-SHA-512",
                listener,
            );
        }
    });

    it("runs the StandardAuthorizer and gives each client user only its ACLs", () => {
        const values = one("kubernetes:helm.sh/v4:Chart", "kafka").inputs.values as any;
        assert.equal(
            values.overrideConfiguration["authorizer.class.name"],
            "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        );
        assert.equal(values.overrideConfiguration["allow.everyone.if.no.acl.found"], "false");
        const acls = Object.fromEntries(
            ofType("pulumi-nodejs:dynamic/ingest:KafkaAcl").map((a) => [a.name, a.inputs]),
        );
        assert.deepEqual(Object.keys(acls).sort(), [
            "kafka-acl-connect",
            "kafka-acl-console",
            "kafka-acl-flume",
            "kafka-acl-ksqldb",
            "kafka-acl-producer",
        ]);
        const has = (role: string, b: string) =>
            (acls[`kafka-acl-${role}`].bindings as any[]).some(
                (x) => `${x.resourceType}:${x.pattern}:${x.name}:${x.operation}` === b,
            );
        for (const a of Object.values(acls)) {
            assert.equal(a.bootstrapServers, "kafka.ingest.svc.cluster.local:9092");
            assert.equal(a.ssl, true);
            assert.match(String(a.ca), /BEGIN CERTIFICATE/);
            assert.ok(isSecretValue(a.sasl), "the operator's credentials stay secret");
            assert.equal(unwrapSecret<any>(a.sasl).username, "ingest");
            // Nobody but the operator may create ACLs, alter the cluster or delete topics.
            for (const b of a.bindings as any[]) {
                assert.notEqual(b.operation, "ALTER", `${String(a.principal)} ${b.name}`);
                assert.ok(
                    !(b.resourceType === "cluster" && b.operation === "ALL"),
                    String(a.principal),
                );
                assert.notEqual(b.operation, "DELETE", String(a.principal));
            }
        }
        assert.equal(acls["kafka-acl-connect"].principal, "User:connect");
        assert.ok(has("connect", "group:literal:ingest-connect:READ"));
        assert.ok(has("connect", "topic:prefixed:ingest-connect-:CREATE"));
        assert.ok(has("connect", "group:prefixed:connect-:READ"));
        assert.ok(has("connect", "topic:literal:Cars:READ"));
        assert.ok(has("ksqldb", "topic:prefixed:_confluent-ksql-ingest_:ALL"));
        assert.ok(has("ksqldb", "topic:literal:INGESTION:CREATE"));
        assert.ok(has("console", "topic:literal:*:READ"));
        assert.ok(!has("console", "topic:literal:*:WRITE"), "the console is read-only");
        assert.ok(has("flume", "topic:literal:Cars:WRITE"));
        assert.ok(has("producer", "topic:literal:Cars:WRITE"));
        assert.ok(!has("producer", "topic:literal:Cars:READ"), "producers only produce");
        // Every topic the pipelines declare is reachable by the clients that move its data.
        for (const t of recorded.filter((r) => r.name.startsWith("topic-"))) {
            assert.ok(
                has("connect", `topic:literal:${String(t.inputs.name)}:READ`),
                String(t.inputs.name),
            );
        }
    });

    it("puts Connect's REST API behind basic auth, the password secret end to end", () => {
        const env = (name: string) =>
            (one("kubernetes:apps/v1:Deployment", name).inputs.spec as any).template.spec
                .containers[0].env as { name: string; value?: string; valueFrom?: any }[];
        const value = (name: string, key: string) => env(name).find((e) => e.name === key);
        assert.equal(
            value("connect", "CONNECT_REST_EXTENSION_CLASSES")?.value,
            "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension",
        );
        assert.equal(
            value("connect", "KAFKA_OPTS")?.value,
            "-Djava.security.auth.login.config=/etc/connect/jaas/jaas.conf",
        );
        const secret = one("kubernetes:core/v1:Secret", "connect-rest-auth");
        assert.ok(isSecretValue(secret.inputs.stringData));
        const data = unwrapSecret<Record<string, string>>(secret.inputs.stringData);
        assert.equal(data["users.properties"], `admin=${MOCK_PASSWORD}\n`);
        // The REST realm shares the worker's one JAAS file with the Kafka client login.
        assert.match(
            unwrapSecret<Record<string, string>>(
                one("kubernetes:core/v1:Secret", "connect-jaas").inputs.stringData,
            )["jaas.conf"],
            /^KafkaConnect \{\n.*PropertyFileLoginModule required\n {2}file="\/etc\/connect\/auth\/users.properties";/,
        );
        const pod = (one("kubernetes:apps/v1:Deployment", "connect").inputs.spec as any).template
            .spec;
        assert.deepEqual(pod.volumes.find((v: any) => v.name === "rest-auth").secret, {
            secretName: "connect-rest-auth",
            defaultMode: 0o440,
        });
        // Probes cannot carry credentials in the spec: readiness reads the mounted file.
        assert.match(
            pod.containers[0].readinessProbe.exec.command[2],
            /cat \/etc\/connect\/auth\/password/,
        );
        assert.deepEqual(value("console", "CONNECT_CLUSTERS_PASSWORD")?.valueFrom, {
            secretKeyRef: { name: "connect-rest-auth", key: "password" },
        });
        const connectors = ofType("pulumi-nodejs:dynamic/ingest:KafkaConnector");
        assert.ok(connectors.length > 0);
        for (const c of connectors) {
            assert.ok(isSecretValue(c.inputs.basicAuth), c.name);
            assert.deepEqual(unwrapSecret(c.inputs.basicAuth), {
                username: "admin",
                password: MOCK_PASSWORD,
            });
        }
    });

    it("puts ksqlDB's REST API behind basic auth, the streams sending the secret credentials", () => {
        const env = (one("kubernetes:apps/v1:Deployment", "ksqldb").inputs.spec as any).template
            .spec.containers[0].env as { name: string; value?: string }[];
        const value = (key: string) => env.find((e) => e.name === key)?.value;
        assert.equal(value("KSQL_AUTHENTICATION_METHOD"), "BASIC");
        assert.equal(value("KSQL_AUTHENTICATION_REALM"), "KsqlServer-Props");
        assert.equal(value("KSQL_AUTHENTICATION_ROLES"), "admin");
        assert.equal(
            value("KSQL_OPTS"),
            "-Djava.security.auth.login.config=/etc/ksqldb-jaas/jaas.conf",
        );
        const secret = one("kubernetes:core/v1:Secret", "ksqldb-rest-auth");
        assert.ok(isSecretValue(secret.inputs.stringData));
        const data = unwrapSecret<Record<string, string>>(secret.inputs.stringData);
        assert.equal(data["password.properties"], `admin: ${MOCK_PASSWORD},admin\n`);
        assert.match(
            unwrapSecret<Record<string, string>>(
                one("kubernetes:core/v1:Secret", "ksqldb-jaas").inputs.stringData,
            )["jaas.conf"],
            /^KsqlServer-Props \{\n {2}org\.eclipse\.jetty\.jaas\.spi\.PropertyFileLoginModule required/,
        );
        const pod = (one("kubernetes:apps/v1:Deployment", "ksqldb").inputs.spec as any).template
            .spec;
        assert.ok(
            pod.containers[0].volumeMounts.some((m: any) => m.mountPath === "/etc/ksqldb-auth"),
        );
        assert.match(pod.containers[0].readinessProbe.exec.command[2], /\/healthcheck$/);
        const streams = ofType("pulumi-nodejs:dynamic/ingest:KsqlStream");
        assert.equal(streams.length, 7, "the base stream and one per sensor");
        for (const st of streams) {
            assert.ok(isSecretValue(st.inputs.basicAuth), st.name);
            assert.deepEqual(unwrapSecret(st.inputs.basicAuth), {
                username: "admin",
                password: MOCK_PASSWORD,
            });
        }
    });

    it("protects the stateful components", () => {
        assert.equal(protectOf("ingest:components:Kafka", "kafka"), true);
        assert.equal(protectOf("ingest:components:Postgres", "postgres"), true);
        // Children inherit it, so the PVC-owning StatefulSet and the chart are protected too.
        assert.equal(protectOf("kubernetes:apps/v1:StatefulSet", "postgres"), true);
        assert.equal(protectOf("kubernetes:helm.sh/v4:Chart", "kafka"), true);
        assert.equal(protectOf("ingest:components:KafkaConnect", "connect"), false);
    });

    it("runs pulumi inside the cluster: providers use the in-cluster names, nothing is a NodePort", async () => {
        assert.equal(
            await resolve(output("connectHostUrl") as pulumi.Output<string>),
            "http://connect.ingest.svc.cluster.local:8083",
        );
        assert.equal(
            await resolve(output("ksqldbHostUrl") as pulumi.Output<string>),
            "http://ksqldb.ingest.svc.cluster.local:8088",
        );
        assert.equal(
            await resolve(output("webhdfsHost") as pulumi.Output<string>),
            "http://hdfs-namenode.ingest.svc.cluster.local:9870/webhdfs/v1",
        );
        for (const s of ofType("kubernetes:core/v1:Service")) {
            assert.notEqual((s.inputs.spec as any).type, "NodePort", s.name);
        }
    });

    it("declares topics with replication 3 over SASL, the password secret, retained on delete", () => {
        const topics = recorded.filter((r) => r.name.startsWith("topic-"));
        assert.deepEqual(topics.map((t) => t.inputs.name).sort(), [
            "Cars",
            "INGESTION",
            "UNORGANIZED",
            "created_users",
            "transactions",
        ]);
        for (const t of topics) {
            assert.equal(t.inputs.bootstrapServers, "kafka.ingest.svc.cluster.local:9092");
            assert.equal(t.inputs.replicationFactor, 3);
            assert.equal(t.inputs.retainOnDelete, true);
            const sasl = unwrapSecret<Record<string, unknown>>(t.inputs.sasl);
            assert.equal(sasl.mechanism, "scram-sha-512");
            assert.equal(sasl.username, "ingest");
            assert.equal(t.inputs.ssl, true);
            assert.match(String(t.inputs.ca), /^-----BEGIN CERTIFICATE-----/);
            assert.ok(
                isSecretValue(t.inputs.sasl) || isSecretValue(sasl.password),
                "the password travels as a secret",
            );
        }
    });

    it("creates the data lake with an explicit AWS provider and gives Connect its credentials Secret", () => {
        assert.equal(one("pulumi:providers:aws", "aws").inputs.region, "eu-west-1");
        assert.equal(protectOf("ingest:components:DataLakeBucket", "data-lake"), true);
        const pod = (one("kubernetes:apps/v1:Deployment", "connect").inputs.spec as any).template
            .spec;
        // As a read-only file, never as environment variables a connector config could resolve.
        assert.equal(pod.containers[0].envFrom, undefined);
        assert.equal(
            pod.volumes.find((v: any) => v.name === "aws").secret.secretName,
            "data-lake-s3-credentials",
        );
    });

    it("uses the secret Postgres password from config, secret everywhere", () => {
        assert.equal(
            ofType("random:index/randomPassword:RandomPassword").some(
                (r) => r.name === "postgres-password",
            ),
            false,
        );
        for (const r of recorded) {
            assert.deepEqual(
                plaintextOccurrences(r.inputs, [PG_PASSWORD, MOCK_PASSWORD]),
                [],
                `${r.type} ${r.name}`,
            );
        }
    });

    it("enforces Pod Security restricted on the namespace, and every pod spec passes it", () => {
        const labels = (one("kubernetes:core/v1:Namespace", "namespace").inputs.metadata as any)
            .labels;
        assert.equal(labels["pod-security.kubernetes.io/enforce"], "restricted");
        const pods = podTemplates(recorded);
        assert.deepEqual([...pods.keys()].sort(), [
            "Deployment connect",
            "Deployment console",
            "Deployment flume-cars",
            "Deployment flume-unorganized",
            "Deployment hdfs-httpfs",
            "Deployment ksqldb",
            "Job sqoop-import",
            "StatefulSet hdfs-datanode",
            "StatefulSet hdfs-namenode",
            "StatefulSet postgres",
        ]);
        for (const [name, pod] of pods) {
            assert.deepEqual(restrictedViolations(pod.spec), [], name);
        }
    });

    it("runs every workload under its own ServiceAccount without an API token", () => {
        const accounts = ofType("kubernetes:core/v1:ServiceAccount");
        for (const [name, pod] of podTemplates(recorded)) {
            const account = accounts.find(
                (a) => (a.inputs.metadata as any).name === pod.spec.serviceAccountName,
            );
            assert.ok(account, `${name} has its own ServiceAccount`);
            assert.equal(account.inputs.automountServiceAccountToken, false, name);
            assert.equal(pod.spec.automountServiceAccountToken, false, name);
        }
        const names = [...podTemplates(recorded).values()].map((p) => p.spec.serviceAccountName);
        assert.equal(new Set(names).size, names.length, "one account per workload");
    });

    it("gives the long-running servers read-only root filesystems, distinct liveness probes and ephemeral-storage limits", () => {
        const pods = podTemplates(recorded);
        for (const name of [
            "Deployment connect",
            "Deployment ksqldb",
            "Deployment console",
            "StatefulSet postgres",
            "StatefulSet hdfs-namenode",
            "StatefulSet hdfs-datanode",
            "Deployment hdfs-httpfs",
        ]) {
            const spec = pods.get(name)!.spec;
            for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
                assert.equal(c.securityContext.readOnlyRootFilesystem, true, `${name} ${c.name}`);
            }
            const mounted = new Set(spec.containers[0].volumeMounts.map((m: any) => m.name));
            const scratch = spec.volumes.filter((v: any) => v.emptyDir);
            assert.ok(scratch.length > 0, `${name} writes to emptyDirs`);
            for (const v of scratch) assert.ok(v.emptyDir.sizeLimit, `${name} ${v.name} size`);
            assert.ok(mounted.has("tmp"), `${name} mounts /tmp`);
        }
        for (const [name, pod] of pods) {
            for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
                assert.ok(c.resources.requests["ephemeral-storage"], `${name} ${c.name}`);
                assert.ok(c.resources.limits["ephemeral-storage"], `${name} ${c.name}`);
            }
            for (const c of pod.spec.containers) {
                if (name.startsWith("Job")) continue;
                assert.notDeepEqual(c.livenessProbe, c.readinessProbe, `${name} ${c.name}`);
            }
        }
        const job = one("kubernetes:batch/v1:Job", "sqoop-import").inputs.spec as any;
        assert.equal(job.activeDeadlineSeconds, 3600);
    });

    it("survives a node drain: PDBs and one-per-node placement for datanodes, Connect and Kafka", () => {
        const pdbs = ofType("kubernetes:policy/v1:PodDisruptionBudget");
        assert.deepEqual(pdbs.map((p) => p.name).sort(), ["connect", "hdfs-datanode"]);
        for (const name of ["connect", "hdfs-datanode"]) {
            const pdb = pdbs.find((p) => p.name === name)!.inputs.spec as any;
            assert.equal(pdb.maxUnavailable, 1);
        }
        const pods = podTemplates(recorded);
        for (const [name, selectorOf] of [
            ["Deployment connect", "connect"],
            ["StatefulSet hdfs-datanode", "hdfs-datanode"],
        ]) {
            const spec = pods.get(name)!.spec;
            const [term] =
                spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
            assert.equal(term.topologyKey, "kubernetes.io/hostname", name);
            const pdb = pdbs.find((p) => p.name === selectorOf)!.inputs.spec as any;
            assert.deepEqual(term.labelSelector.matchLabels, pdb.selector.matchLabels, name);
        }
        assert.equal(
            (one("kubernetes:apps/v1:Deployment", "connect").inputs.spec as any).replicas,
            2,
        );
        assert.equal(
            (one("kubernetes:apps/v1:StatefulSet", "hdfs-datanode").inputs.spec as any).replicas,
            3,
        );
        const values = one("kubernetes:helm.sh/v4:Chart", "kafka").inputs.values as any;
        assert.equal(values.controller.podAntiAffinityPreset, "hard");
        assert.deepEqual(values.controller.pdb, { create: true, maxUnavailable: 1 });
        assert.equal(values.broker.pdb.create, false, "no PDB selecting nothing");
        assert.equal(values.provisioning.serviceAccount.create, false);
    });

    it("runs seeds 000 and 001 with the default file sizing and leaves seed 004 off", () => {
        const config = (n: string) =>
            one("pulumi-nodejs:dynamic/ingest:KafkaConnector", n).inputs.config as Record<
                string,
                string
            >;
        const sales = config("hdfs-sink-sales");
        assert.deepEqual(
            [sales["flush.size"], sales["rotate.schedule.interval.ms"]],
            ["50000", "900000"],
        );
        const users = config("s3-sink-users");
        assert.deepEqual([users["flush.size"], users["s3.region"]], ["10000", "eu-west-1"]);
        assert.equal(users["store.url"], undefined, "real AWS: no store.url");
        assert.equal(recorded.filter((r) => r.name.startsWith("users-cdc")).length, 0);
    });

    it("pushes the built images and runs them by digest, and needs no insecure-image override", () => {
        for (const image of ofType("docker:index/image:Image")) {
            assert.equal(image.inputs.skipPush, false, image.name);
            assert.match(String(image.inputs.imageName), /^registry\.ingest\.internal\/ingest\//);
        }
        const pods = podTemplates(recorded);
        for (const [name, repo] of [
            ["Deployment connect", "ingest-connect"],
            ["Deployment flume-cars", "flume"],
            ["Job sqoop-import", "sqoop"],
            ["StatefulSet hdfs-namenode", "hdfs"],
            ["StatefulSet hdfs-datanode", "hdfs"],
        ]) {
            const image = pods.get(name)!.spec.containers[0].image as string;
            assert.match(
                image,
                new RegExp(`^registry\\.ingest\\.internal/ingest/${repo}@sha256:[0-9a-f]{64}$`),
                name,
            );
        }
        const values = one("kubernetes:helm.sh/v4:Chart", "kafka").inputs.values as any;
        assert.equal(values.global.security.allowInsecureImages, false);
    });

    describe("network isolation", () => {
        const workloadPods = (): Record<string, SimPod> => {
            const pods = podTemplates(recorded);
            const labels = (key: string) => ({ labels: pods.get(key)!.metadata.labels });
            return {
                connect: labels("Deployment connect"),
                ksqldb: labels("Deployment ksqldb"),
                console: labels("Deployment console"),
                postgres: labels("StatefulSet postgres"),
                namenode: labels("StatefulSet hdfs-namenode"),
                datanode: labels("StatefulSet hdfs-datanode"),
                flume: labels("Deployment flume-cars"),
                sqoop: labels("Job sqoop-import"),
                kafka: {
                    labels: {
                        "app.kubernetes.io/name": "kafka",
                        "app.kubernetes.io/instance": "kafka",
                        "app.kubernetes.io/component": "controller-eligible",
                        "app.kubernetes.io/part-of": "kafka",
                    },
                },
            };
        };
        const policies = () => {
            const values = one("kubernetes:helm.sh/v4:Chart", "kafka").inputs.values as any;
            return [
                ...ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy").map(
                    (p) => p.inputs.spec as any,
                ),
                kafkaChartPolicy(values, "kafka", workloadPods().kafka.labels, false),
            ];
        };
        const serverPorts: Record<string, number[]> = {
            kafka: [9092, 9093, 9094],
            connect: [8083],
            ksqldb: [8088],
            console: [8080],
            postgres: [5432],
            namenode: [9000, 9870],
            datanode: [9866, 9864, 9867],
            flume: [5140, 34545],
            sqoop: [],
        };

        it("denies everything by default and registers one allow policy per workload", () => {
            const names = ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy").map(
                (p) => (p.inputs.metadata as any).name,
            );
            assert.deepEqual(names.sort(), [
                "allow-connect",
                "allow-console",
                "allow-datanode",
                "allow-dns",
                "allow-flume",
                "allow-httpfs",
                "allow-ksqldb",
                "allow-namenode",
                "allow-postgres",
                "allow-sqoop",
                "default-deny",
            ]);
            const deny = one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "default-deny").inputs
                .spec as any;
            assert.deepEqual(deny, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
            const kafka = (one("kubernetes:helm.sh/v4:Chart", "kafka").inputs.values as any)
                .networkPolicy;
            assert.equal(kafka.allowExternal, false);
            assert.equal(kafka.allowExternalEgress, false);
        });

        it("allows exactly the connections the wiring makes, between the platform's pods", () => {
            const pods = workloadPods();
            const got: string[] = [];
            for (const [from, fromPod] of Object.entries(pods)) {
                for (const [to, toPod] of Object.entries(pods)) {
                    for (const port of serverPorts[to]) {
                        if (allowed(policies(), "ingest", fromPod, toPod, port)) {
                            got.push(`${from} -> ${to}:${port}`);
                        }
                    }
                }
            }
            assert.deepEqual(got.sort(), [
                "connect -> connect:8083",
                "connect -> datanode:9866",
                "connect -> kafka:9092",
                "connect -> namenode:9000",
                "connect -> postgres:5432",
                "console -> connect:8083",
                "console -> kafka:9092",
                "datanode -> datanode:9866",
                "datanode -> datanode:9867",
                "datanode -> namenode:9000",
                "flume -> datanode:9866",
                "flume -> kafka:9092",
                "flume -> namenode:9000",
                "kafka -> kafka:9092",
                "kafka -> kafka:9093",
                "kafka -> kafka:9094",
                "ksqldb -> kafka:9092",
                "sqoop -> datanode:9866",
                "sqoop -> namenode:9000",
                "sqoop -> postgres:5432",
            ]);
        });

        it("admits the in-cluster pulumi runner to the provider endpoints only, and nothing from outside", () => {
            const pods = workloadPods();
            const runner: SimPod = {
                namespace: "ingest-ops",
                labels: { "ingest-platform/operator": "true" },
            };
            const reach = (src: SimPod) =>
                Object.entries(pods).flatMap(([to, pod]) =>
                    [...serverPorts[to], 9095]
                        .filter((port) => allowed(policies(), "ingest", src, pod, port))
                        .map((port) => `${to}:${port}`),
                );
            assert.deepEqual(reach(runner).sort(), [
                "connect:8083",
                "datanode:9864",
                "kafka:9092",
                "ksqldb:8088",
                "namenode:9870",
            ]);
            assert.deepEqual(reach({ namespace: "ingest-ops", labels: {} }), []);
            assert.deepEqual(reach({ namespace: "default", labels: pods.connect.labels }), []);
            assert.deepEqual(reach({ ip: "203.0.113.7", labels: {} }), []);
            assert.deepEqual(reach({ labels: {} }), [], "an unlabelled pod in the namespace");
        });
    });
});
