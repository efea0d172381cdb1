import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import {
    isSecretValue,
    one,
    plaintextOccurrences,
    recorded,
    settle,
    setupMocks,
    unwrapSecret,
} from "../../helpers/mocks";

setupMocks();

const resources = { cpuRequest: "100m", memoryRequest: "256Mi", cpuLimit: "1", memoryLimit: "1Gi" };
const image = (repository: string, tag: string) => ({ registry: "docker.io", repository, tag });
type Container = {
    name: string;
    env: { name: string; value?: unknown; valueFrom?: unknown }[];
    [k: string]: any;
};
const containerOf = (name: string): Container =>
    (one("kubernetes:apps/v1:Deployment", name).inputs.spec as any).template.spec.containers[0];
const envValue = (c: Container, name: string) => c.env.find((e) => e.name === name)?.value;

describe("workload components", () => {
    let c: typeof import("../../../components");
    before(async () => {
        c = await import("../../../components");
        new c.KafkaConnect("connect", {
            namespace: "ingest",
            bootstrapServers: "kafka:9092",
            image: "registry.example/connect:1",
            replicas: 2,
            replicationFactor: 3,
            nodePort: 30083,
            resources,
            hadoopConfigMapName: "hdfs-site",
            awsCredentialsSecretName: "lake-credentials",
        });
        new c.KsqlDb("ksqldb", {
            namespace: "ingest",
            bootstrapServers: "kafka:9092",
            securityProtocol: "SASL_SSL",
            saslUser: "ksqldb",
            saslMechanism: "SCRAM-SHA-512",
            saslPassword: pulumi.secret("ksqldb-kafka-pw"),
            kafkaCaConfigMapName: "kafka-ca",
            image: image("confluentinc/ksqldb-server", "0.29.0"),
            cli: true,
            cliImage: image("confluentinc/ksqldb-cli", "0.29.0"),
            resources,
        });
        new c.Postgres("postgres", {
            namespace: "ingest",
            image: image("library/postgres", "16.4-bookworm"),
            password: "pg-password-literal",
            resources,
        });
        new c.Console("console", {
            namespace: "ingest",
            bootstrapServers: "kafka:9092",
            connectUrl: "http://connect:8083",
            image: image("redpandadata/console", "v2.8.5"),
            resources,
        });
        await settle();
    });

    it("configures Connect workers for the broker count, JSON converters and config providers", () => {
        const connect = containerOf("connect");
        assert.equal(connect.image, "registry.example/connect:1");
        assert.equal(envValue(connect, "CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR"), "3");
        assert.equal(envValue(connect, "CONNECT_GROUP_ID"), "ingest-connect");
        assert.equal(
            envValue(connect, "CONNECT_VALUE_CONVERTER"),
            "org.apache.kafka.connect.json.JsonConverter",
        );
        assert.equal(envValue(connect, "CONNECT_CONFIG_PROVIDERS"), "file,env");
        assert.equal(envValue(connect, "HADOOP_CONF_DIR"), "/etc/hadoop/conf");
        assert.equal(connect.readinessProbe.httpGet.port, "rest");
        assert.equal(
            (one("kubernetes:apps/v1:Deployment", "connect").inputs.spec as any).replicas,
            2,
        );
        assert.equal(
            (one("kubernetes:core/v1:Service", "connect").inputs.spec as any).ports[0].nodePort,
            30083,
        );
        assert.equal(
            recorded.some((r) => r.type === "docker:index/image:Image"),
            false,
            "no build when an image is given",
        );
    });

    it("limits Connect's config providers to the secrets directory and an env allowlist", () => {
        const connect = containerOf("connect");
        assert.equal(
            envValue(connect, "CONNECT_CONFIG_PROVIDERS_FILE_PARAM_ALLOWED_PATHS"),
            "/etc/connect/secrets",
        );
        assert.equal(
            envValue(connect, "CONNECT_CONFIG_PROVIDERS_ENV_PARAM_ALLOWLIST_PATTERN"),
            "^(POSTGRES_PASSWORD)$",
        );
    });

    it("mounts the S3 credentials as a file instead of putting them in the environment", () => {
        const connect = containerOf("connect");
        assert.equal(connect.envFrom, undefined);
        assert.equal(
            envValue(connect, "AWS_CREDENTIAL_PROFILES_FILE"),
            "/etc/connect/aws/credentials",
        );
        const pod = (one("kubernetes:apps/v1:Deployment", "connect").inputs.spec as any).template
            .spec;
        assert.deepEqual(pod.volumes.find((v: any) => v.name === "aws").secret, {
            secretName: "lake-credentials",
            items: [{ key: "credentials", path: "credentials" }],
            defaultMode: 0o440,
        });
        assert.deepEqual(
            connect.volumeMounts.find((m: any) => m.name === "aws"),
            { name: "aws", mountPath: "/etc/connect/aws", readOnly: true },
        );
    });

    it("keeps Connect workers on separate nodes behind a disruption budget", () => {
        const pod = (one("kubernetes:apps/v1:Deployment", "connect").inputs.spec as any).template
            .spec;
        const term = pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
        assert.equal(term.length, 1);
        assert.equal(term[0].topologyKey, "kubernetes.io/hostname");
        assert.equal(term[0].labelSelector.matchLabels["app.kubernetes.io/name"], "kafka-connect");
        assert.equal(pod.topologySpreadConstraints[0].topologyKey, "topology.kubernetes.io/zone");
        const pdb = one("kubernetes:policy/v1:PodDisruptionBudget", "connect").inputs.spec as any;
        assert.equal(pdb.maxUnavailable, 1);
        assert.deepEqual(
            pdb.selector.matchLabels,
            (one("kubernetes:apps/v1:Deployment", "connect").inputs.spec as any).selector
                .matchLabels,
        );
    });

    it("gives ksqlDB its SASL password only in a mounted JAAS file, trusts the Kafka CA, probes /healthcheck", () => {
        const ksql = containerOf("ksqldb");
        // No variable carries or references the password.
        assert.deepEqual(
            ksql.env.filter((e) => /PASSWORD|JAAS/.test(e.name) || e.valueFrom !== undefined),
            [],
        );
        assert.equal(envValue(ksql, "KSQL_SECURITY_PROTOCOL"), "SASL_SSL");
        assert.equal(envValue(ksql, "KSQL_SASL_MECHANISM"), "SCRAM-SHA-512");
        assert.equal(envValue(ksql, "KSQL_SSL_TRUSTSTORE_TYPE"), "PEM");
        assert.equal(envValue(ksql, "KSQL_SSL_TRUSTSTORE_LOCATION"), "/etc/kafka-ca/ca.crt");
        assert.equal(
            envValue(ksql, "KSQL_OPTS"),
            "-Djava.security.auth.login.config=/etc/ksqldb-jaas/jaas.conf",
        );
        const mounts = Object.fromEntries(
            (ksql.volumeMounts as { name: string; mountPath: string }[]).map((m) => [
                m.name,
                m.mountPath,
            ]),
        );
        assert.equal(mounts.jaas, "/etc/ksqldb-jaas");
        assert.equal(mounts["kafka-ca"], "/etc/kafka-ca");
        const jaas = one("kubernetes:core/v1:Secret", "ksqldb-jaas").inputs as any;
        assert.ok(isSecretValue(jaas.stringData), "the JAAS file is a secret in state");
        for (const r of recorded) {
            assert.deepEqual(plaintextOccurrences(r.inputs, ["ksqldb-kafka-pw"]), [], r.name);
        }
        assert.equal(
            unwrapSecret<Record<string, string>>(jaas.stringData)["jaas.conf"],
            [
                "KafkaClient {",
                "  org.apache.kafka.common.security.scram.ScramLoginModule required",
                '  username="ksqldb"',
                '  password="ksqldb-kafka-pw";',
                "};",
                "",
            ].join("\n"),
        );
        assert.equal(ksql.readinessProbe.httpGet.path, "/healthcheck");
        assert.deepEqual(ksql.livenessProbe.tcpSocket, { port: "rest" });
        assert.equal(envValue(ksql, "KSQL_KSQL_SERVICE_ID"), "ingest_");
        assert.equal(containerOf("ksqldb-cli").image, "docker.io/confluentinc/ksqldb-cli:0.29.0");
    });

    it("keeps Postgres data on a retained PVC and its password only in a Secret", () => {
        const sts = one("kubernetes:apps/v1:StatefulSet", "postgres").inputs.spec as any;
        assert.deepEqual(sts.persistentVolumeClaimRetentionPolicy, {
            whenDeleted: "Retain",
            whenScaled: "Retain",
        });
        assert.equal(sts.volumeClaimTemplates[0].spec.resources.requests.storage, "5Gi");
        assert.equal(sts.template.spec.securityContext.runAsNonRoot, true);
        const secret = one("kubernetes:core/v1:Secret", "postgres-auth");
        assert.ok(isSecretValue(secret.inputs.stringData));
        assert.deepEqual(unwrapSecret(secret.inputs.stringData), {
            password: "pg-password-literal",
        });
        const init = (one("kubernetes:core/v1:ConfigMap", "postgres-init").inputs.data as any)[
            "01-seed-tables.sql"
        ];
        assert.match(init, /CREATE TABLE IF NOT EXISTS telemetry \(\n {2}id SERIAL PRIMARY KEY/);
        assert.match(
            init,
            /CREATE TABLE IF NOT EXISTS "USERS" \(\n {2}"index" BIGSERIAL PRIMARY KEY/,
        );
        for (const r of recorded) {
            assert.deepEqual(
                plaintextOccurrences(r.inputs, ["pg-password-literal"]),
                [],
                `${r.type} ${r.name}`,
            );
        }
    });

    it("wires the console to Kafka and Connect", () => {
        const ui = containerOf("console");
        assert.equal(envValue(ui, "KAFKA_BROKERS"), "kafka:9092");
        assert.equal(envValue(ui, "CONNECT_CLUSTERS_URL"), "http://connect:8083");
    });

    it("runs every workload read-only under its own token-less ServiceAccount", () => {
        const accounts = recorded.filter((r) => r.type === "kubernetes:core/v1:ServiceAccount");
        for (const d of recorded.filter(
            (r) =>
                r.type === "kubernetes:apps/v1:Deployment" ||
                r.type === "kubernetes:apps/v1:StatefulSet",
        )) {
            const pod = (d.inputs.spec as any).template.spec;
            assert.equal(pod.serviceAccountName, d.name, `${d.name} account`);
            assert.equal(pod.automountServiceAccountToken, false, `${d.name} token`);
            const account = accounts.find((a) => (a.inputs.metadata as any).name === d.name);
            assert.equal(account?.inputs.automountServiceAccountToken, false, `${d.name} SA`);
            assert.deepEqual(pod.securityContext.seccompProfile, { type: "RuntimeDefault" });
            for (const ctr of [...(pod.initContainers ?? []), ...pod.containers] as Container[]) {
                assert.equal(ctr.securityContext.readOnlyRootFilesystem, true, `${d.name} ro`);
                assert.ok(ctr.resources.requests["ephemeral-storage"], `${d.name} ephemeral`);
                assert.ok(ctr.resources.limits["ephemeral-storage"], `${d.name} ephemeral`);
            }
        }
    });

    it("labels the Kafka clients for the chart's NetworkPolicy", () => {
        for (const name of ["connect", "ksqldb", "console"]) {
            const meta = (one("kubernetes:apps/v1:Deployment", name).inputs.spec as any).template
                .metadata;
            assert.equal(meta.labels["kafka-client"], "true", name);
        }
    });

    it("gives every workload container requests, limits and both probes", () => {
        for (const d of recorded.filter(
            (r) =>
                r.type === "kubernetes:apps/v1:Deployment" ||
                r.type === "kubernetes:apps/v1:StatefulSet",
        )) {
            for (const ctr of (d.inputs.spec as any).template.spec.containers as Container[]) {
                assert.ok(
                    ctr.resources.requests.cpu && ctr.resources.limits.memory,
                    `${d.name} resources`,
                );
                assert.ok(ctr.readinessProbe && ctr.livenessProbe, `${d.name} probes`);
                assert.notDeepEqual(ctr.livenessProbe, ctr.readinessProbe, `${d.name} liveness`);
                assert.equal(
                    ctr.securityContext.allowPrivilegeEscalation,
                    false,
                    `${d.name} security`,
                );
            }
        }
    });

    it("rejects SASL without credentials before creating anything", () => {
        assert.throws(
            () =>
                new c.KafkaConnect("bad", {
                    namespace: "ingest",
                    bootstrapServers: "k:9092",
                    securityProtocol: "SASL_PLAINTEXT",
                    resources,
                }),
            /KafkaConnect: SASL needs saslUser and saslPassword/,
        );
        assert.throws(
            () =>
                new c.KafkaConnect("bad-tls", {
                    namespace: "ingest",
                    bootstrapServers: "k:9092",
                    securityProtocol: "SASL_SSL",
                    saslUser: "connect",
                    saslPassword: "pw",
                    resources,
                }),
            /KafkaConnect: SASL_SSL needs kafkaCaConfigMapName/,
        );
    });
});
