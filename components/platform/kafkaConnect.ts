import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import {
    INIT_RESOURCES,
    ImageSource,
    KAFKA_CLIENT_POD_LABEL,
    ResourceSpec,
    appLabels,
    httpProbe,
    httpWorkload,
    nonRootPod,
    readOnlyContainer,
    resolveImage,
    scratchVolume,
    tcpProbe,
    toResources,
    mountedSecret,
} from "./common";
import { AWS_CREDENTIALS_FILE_KEY } from "./dataLakeBucket";
import {
    javaClientProperties,
    kafkaCaVolume,
    kafkaClientJaasSection,
    propertiesAsEnv,
} from "./kafkaClient";

/** Arguments for {@link KafkaConnect}. */
export interface KafkaConnectArgs extends ImageSource {
    /** Namespace to deploy into. */
    readonly namespace: pulumi.Input<string>;
    /** Kafka bootstrap servers, in-cluster. */
    readonly bootstrapServers: pulumi.Input<string>;
    /** `PLAINTEXT`, `SASL_PLAINTEXT` or `SASL_SSL`. Defaults to `PLAINTEXT`. */
    readonly securityProtocol?: string;
    /** SASL user; required unless `PLAINTEXT`. */
    readonly saslUser?: string;
    /** `PLAIN` or `SCRAM-SHA-512`. Defaults to `PLAIN`. */
    readonly saslMechanism?: string;
    /**
     * The SASL password (a secret); required unless `PLAINTEXT`. It reaches the workers only as
     * the `KafkaClient` section of a mounted JAAS file, never as an environment variable.
     */
    readonly saslPassword?: pulumi.Input<string>;
    /** ConfigMap with the Kafka CA (`ca.crt`) the workers trust; required with `SASL_SSL`. */
    readonly kafkaCaConfigMapName?: pulumi.Input<string>;
    /** Worker replicas. Defaults to 1. */
    readonly replicas?: number;
    /** Worker group id; also prefixes the internal topics. Defaults to `ingest-connect`. */
    readonly groupId?: string;
    /** Replication factor of the internal topics: match the broker count. Defaults to 1. */
    readonly replicationFactor?: number;
    /** NodePort for the REST API (kind maps it to localhost); unset = ClusterIP only. */
    readonly nodePort?: number;
    /** Requests/limits of the worker container. */
    readonly resources: ResourceSpec;
    /** ConfigMap with `core-site.xml`/`hdfs-site.xml`, mounted as HADOOP_CONF_DIR for the HDFS sink. */
    readonly hadoopConfigMapName?: pulumi.Input<string>;
    /** Secret holding the Postgres password under `password`, exposed as `POSTGRES_PASSWORD` for `${env:POSTGRES_PASSWORD}` placeholders. */
    readonly postgresPasswordSecretName?: pulumi.Input<string>;
    /** Secret with the S3 sink's AWS shared-credentials file (`credentials` key), mounted read-only. */
    readonly awsCredentialsSecretName?: pulumi.Input<string>;
    /**
     * HTTP basic auth on the REST API (Kafka's BasicAuthSecurityRestExtension) with a generated
     * password for {@link CONNECT_ADMIN_USER}. Defaults to false.
     */
    readonly basicAuth?: boolean;
}

/** The REST API user the providers and the console authenticate as. */
export const CONNECT_ADMIN_USER = "admin";

/** Where the REST credentials (users file, password) are mounted. */
export const CONNECT_AUTH_DIR = "/etc/connect/auth";

/** Where the worker JVM's JAAS file (REST realm, Kafka client login) is mounted. */
export const CONNECT_JAAS_DIR = "/etc/connect/jaas";

/** JAAS file of the REST basic-auth extension, pointing at the users file beside it. */
export function connectRestJaas(dir = CONNECT_AUTH_DIR): string {
    return [
        "KafkaConnect {",
        "  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required",
        `  file="${dir}/users.properties";`,
        "};",
        "",
    ].join("\n");
}

/** REST port of the worker. */
export const CONNECT_PORT = 8083;

/** The only directory `${file:...}` placeholders may read: Secrets mounted for connectors. */
export const CONNECT_SECRETS_DIR = "/etc/connect/secrets";

/** Environment variables `${env:...}` placeholders may read (KIP-887 allowlist). */
export const CONNECTOR_ENV_ALLOWLIST: readonly string[] = ["POSTGRES_PASSWORD"];

/** Where the S3 sink's AWS shared-credentials file is mounted (outside the allowed paths). */
export const AWS_CREDENTIALS_PATH = "/etc/connect/aws/credentials";

/** Config directory the image's entrypoint renders the worker properties into. */
const CONNECT_CONFIG_DIR = "/etc/kafka-connect";

/**
 * Worker settings as the environment of Confluent's image (`CONNECT_*` → worker properties).
 * No secret at all: the SASL login is the mounted JAAS file's `KafkaClient` section.
 */
export function connectWorkerEnv(args: KafkaConnectArgs): k8s.types.input.core.v1.EnvVar[] {
    const groupId = args.groupId ?? "ingest-connect";
    const rf = String(args.replicationFactor ?? 1);
    const protocol = args.securityProtocol ?? "PLAINTEXT";
    const env: k8s.types.input.core.v1.EnvVar[] = [
        { name: "CONNECT_BOOTSTRAP_SERVERS", value: args.bootstrapServers },
        { name: "CONNECT_GROUP_ID", value: groupId },
        { name: "CONNECT_CONFIG_STORAGE_TOPIC", value: `${groupId}-configs` },
        { name: "CONNECT_OFFSET_STORAGE_TOPIC", value: `${groupId}-offsets` },
        { name: "CONNECT_STATUS_STORAGE_TOPIC", value: `${groupId}-status` },
        { name: "CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR", value: rf },
        { name: "CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR", value: rf },
        { name: "CONNECT_STATUS_STORAGE_REPLICATION_FACTOR", value: rf },
        { name: "CONNECT_KEY_CONVERTER", value: "org.apache.kafka.connect.json.JsonConverter" },
        { name: "CONNECT_VALUE_CONVERTER", value: "org.apache.kafka.connect.json.JsonConverter" },
        { name: "CONNECT_KEY_CONVERTER_SCHEMAS_ENABLE", value: "false" },
        { name: "CONNECT_VALUE_CONVERTER_SCHEMAS_ENABLE", value: "false" },
        { name: "CONNECT_REST_PORT", value: String(CONNECT_PORT) },
        // Workers forward requests to the leader by its advertised address: the pod IP.
        {
            name: "CONNECT_REST_ADVERTISED_HOST_NAME",
            valueFrom: { fieldRef: { fieldPath: "status.podIP" } },
        },
        {
            name: "CONNECT_PLUGIN_PATH",
            value: "/usr/share/java,/usr/share/confluent-hub-components",
        },
        // Connector configs can reference ${file:...} and ${env:...} instead of carrying secrets,
        // but only what is meant for connectors: files under CONNECT_SECRETS_DIR (KIP-993) and
        // the allowlisted variables (KIP-887). Anyone able to POST a connector could otherwise
        // resolve the worker's own credentials into a config pointing at a host they control.
        { name: "CONNECT_CONFIG_PROVIDERS", value: "file,env" },
        {
            name: "CONNECT_CONFIG_PROVIDERS_FILE_CLASS",
            value: "org.apache.kafka.common.config.provider.FileConfigProvider",
        },
        { name: "CONNECT_CONFIG_PROVIDERS_FILE_PARAM_ALLOWED_PATHS", value: CONNECT_SECRETS_DIR },
        {
            name: "CONNECT_CONFIG_PROVIDERS_ENV_CLASS",
            value: "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
        },
        {
            name: "CONNECT_CONFIG_PROVIDERS_ENV_PARAM_ALLOWLIST_PATTERN",
            value: `^(${CONNECTOR_ENV_ALLOWLIST.join("|")})$`,
        },
        { name: "KAFKA_HEAP_OPTS", value: "-XX:InitialRAMPercentage=50 -XX:MaxRAMPercentage=75" },
        // kafka-run-class creates $LOG_DIR (default /usr/logs): keep it on the scratch volume.
        { name: "LOG_DIR", value: "/tmp/logs" },
    ];
    if (protocol !== "PLAINTEXT") {
        const props = javaClientProperties(
            protocol,
            args.saslMechanism,
            args.kafkaCaConfigMapName !== undefined,
        );
        // The worker, its producers, consumers and admin client each need the settings.
        for (const prefix of [
            "CONNECT_",
            "CONNECT_PRODUCER_",
            "CONNECT_CONSUMER_",
            "CONNECT_ADMIN_",
        ]) {
            env.push(...propertiesAsEnv(prefix, props));
        }
        // Connectors may not point their clients elsewhere (producer.override.bootstrap.servers
        // would take the worker's login along): no client config override at all.
        env.push({ name: "CONNECT_CONNECTOR_CLIENT_CONFIG_OVERRIDE_POLICY", value: "None" });
    }
    if (args.basicAuth) {
        env.push({
            name: "CONNECT_REST_EXTENSION_CLASSES",
            value: "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension",
        });
    }
    if (args.basicAuth || protocol !== "PLAINTEXT") {
        env.push({
            name: "KAFKA_OPTS",
            value: `-Djava.security.auth.login.config=${CONNECT_JAAS_DIR}/jaas.conf`,
        });
    }
    if (args.awsCredentialsSecretName !== undefined) {
        // The S3 sink's AWS SDK (v1) reads the mounted shared-credentials file.
        env.push({ name: "AWS_CREDENTIAL_PROFILES_FILE", value: AWS_CREDENTIALS_PATH });
    }
    if (args.postgresPasswordSecretName !== undefined) {
        // Seed 004's connectors say ${env:POSTGRES_PASSWORD}: Connect stores the placeholder, the
        // worker resolves it, and the password stays in its Secret.
        env.push({
            name: "POSTGRES_PASSWORD",
            valueFrom: {
                secretKeyRef: { name: args.postgresPasswordSecretName, key: "password" },
            },
        });
    }
    if (args.hadoopConfigMapName !== undefined) {
        // The HDFS sink writes as this user (simple auth); HDFS directories are owned by it.
        env.push(
            { name: "HADOOP_CONF_DIR", value: "/etc/hadoop/conf" },
            { name: "HADOOP_USER_NAME", value: "connect" },
        );
    }
    return env;
}

/** A Kafka Connect cluster (distributed workers) with the HDFS, S3 and JDBC connector plugins. */
export class KafkaConnect extends pulumi.ComponentResource {
    /** REST URL inside the cluster. */
    public readonly url: pulumi.Output<string>;
    /** Image the workers run. */
    public readonly image: pulumi.Output<string>;
    /** REST credentials (a secret Output) when `basicAuth` is on, for the providers. */
    public readonly restCredentials?: pulumi.Output<{ username: string; password: string }>;
    /** Secret holding the REST password under `password`, when `basicAuth` is on. */
    public readonly restAuthSecretName?: pulumi.Output<string>;

    constructor(name: string, args: KafkaConnectArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ingest:components:KafkaConnect", name, {}, opts);
        const protocol = args.securityProtocol ?? "PLAINTEXT";
        if (protocol !== "PLAINTEXT" && (!args.saslUser || args.saslPassword === undefined)) {
            throw new pulumi.ResourceError(
                "KafkaConnect: SASL needs saslUser and saslPassword",
                this,
            );
        }
        if (protocol.endsWith("SSL") && args.kafkaCaConfigMapName === undefined) {
            throw new pulumi.ResourceError(
                `KafkaConnect: ${protocol} needs kafkaCaConfigMapName (the CA the brokers' certificates chain to)`,
                this,
            );
        }
        const labels = appLabels(name, "kafka-connect");
        this.image = resolveImage(
            name,
            args,
            {
                context: path.join(__dirname, "connect"),
                repository: "ingest-connect",
                tag: "7.9.2-1",
            },
            this,
        );

        // Read-only root: the entrypoint renders the worker properties into an emptyDir seeded
        // with the image's own config directory; logs and plugin scratch files go to /tmp.
        const volumes: k8s.types.input.core.v1.Volume[] = [
            scratchVolume("tmp"),
            scratchVolume("config", "64Mi"),
            // The file provider's allowed path must exist or the worker stops at start-up
            // ("Path /etc/connect/secrets does not exist", seen on a real pod): an empty
            // directory unless a stack mounts files for connectors there.
            scratchVolume("connector-secrets", "1Mi"),
        ];
        const mounts: k8s.types.input.core.v1.VolumeMount[] = [
            { name: "tmp", mountPath: "/tmp" },
            { name: "config", mountPath: CONNECT_CONFIG_DIR },
            { name: "connector-secrets", mountPath: CONNECT_SECRETS_DIR, readOnly: true },
        ];
        if (args.hadoopConfigMapName !== undefined) {
            volumes.push({ name: "hadoop-conf", configMap: { name: args.hadoopConfigMapName } });
            mounts.push({ name: "hadoop-conf", mountPath: "/etc/hadoop/conf", readOnly: true });
        }
        if (args.kafkaCaConfigMapName !== undefined) {
            const ca = kafkaCaVolume(args.kafkaCaConfigMapName);
            volumes.push(ca.volume);
            mounts.push(ca.mount);
        }
        const jaasSections: pulumi.Input<string>[] = [];
        const pod = { volumes, mounts };
        if (args.basicAuth) {
            jaasSections.push(connectRestJaas());
            const password = new random.RandomPassword(
                `${name}-rest-password`,
                { length: 32, special: false },
                { parent: this },
            ).result;
            const secret = mountedSecret(
                this,
                `${name}-rest-auth`,
                { namespace: args.namespace, labels },
                {
                    "users.properties": pulumi.interpolate`${CONNECT_ADMIN_USER}=${password}\n`,
                    password,
                },
                pod,
                "rest-auth",
                CONNECT_AUTH_DIR,
            );
            this.restAuthSecretName = secret.metadata.name;
            this.restCredentials = pulumi.secret(
                password.apply((p) => ({ username: CONNECT_ADMIN_USER, password: p })),
            );
        }
        if (protocol !== "PLAINTEXT") {
            jaasSections.push(
                kafkaClientJaasSection(args.saslMechanism, args.saslUser!, args.saslPassword!),
            );
        }
        if (jaasSections.length > 0) {
            // One JAAS file per JVM: the REST realm and the Kafka client login side by side.
            mountedSecret(
                this,
                `${name}-jaas`,
                { namespace: args.namespace, labels },
                { "jaas.conf": pulumi.all(jaasSections).apply((parts) => parts.join("")) },
                pod,
                "jaas",
                CONNECT_JAAS_DIR,
            );
        }
        if (args.awsCredentialsSecretName !== undefined) {
            volumes.push({
                name: "aws",
                secret: {
                    secretName: args.awsCredentialsSecretName,
                    items: [{ key: AWS_CREDENTIALS_FILE_KEY, path: "credentials" }],
                    defaultMode: 0o440,
                },
            });
            mounts.push({
                name: "aws",
                mountPath: path.posix.dirname(AWS_CREDENTIALS_PATH),
                readOnly: true,
            });
        }

        this.url = httpWorkload(
            {
                name,
                namespace: args.namespace,
                labels,
                replicas: args.replicas,
                podSecurityContext: nonRootPod(1000),
                podLabels: KAFKA_CLIENT_POD_LABEL,
                highlyAvailable: true,
                initContainers: [
                    {
                        name: "seed-config",
                        image: this.image,
                        // Not `cp -a`: the emptyDir's root belongs to root, and preserving its times as the
                        // non-root user fails ("preserving times for '/seed/.'", seen on a real pod).
                        command: ["sh", "-c", `cp -R ${CONNECT_CONFIG_DIR}/. /seed/`],
                        resources: toResources(INIT_RESOURCES),
                        securityContext: readOnlyContainer,
                        volumeMounts: [{ name: "config", mountPath: "/seed" }],
                    },
                ],
                container: {
                    name: "connect",
                    image: this.image,
                    env: connectWorkerEnv(args),
                    resources: toResources(args.resources),
                    // Workers join the group and read the config topic before serving.
                    readinessProbe: args.basicAuth
                        ? {
                              // The REST API answers 401 without credentials: ask with them,
                              // read from the mounted file (never part of the pod spec).
                              exec: {
                                  command: [
                                      "sh",
                                      "-c",
                                      `curl -fsS -o /dev/null -u "${CONNECT_ADMIN_USER}:$(cat ${CONNECT_AUTH_DIR}/password)" http://127.0.0.1:${CONNECT_PORT}/connectors`,
                                  ],
                              },
                              initialDelaySeconds: 20,
                              periodSeconds: 10,
                              timeoutSeconds: 5,
                              failureThreshold: 6,
                          }
                        : httpProbe("/connectors", "rest", 20),
                    livenessProbe: args.basicAuth
                        ? tcpProbe("rest", 90, 20)
                        : httpProbe("/", "rest", 90, 20),
                    securityContext: readOnlyContainer,
                    volumeMounts: mounts,
                },
                volumes,
                portName: "rest",
                port: CONNECT_PORT,
                nodePort: args.nodePort,
            },
            this,
        );
        this.registerOutputs({
            url: this.url,
            image: this.image,
            restAuthSecretName: this.restAuthSecretName,
        });
    }
}
