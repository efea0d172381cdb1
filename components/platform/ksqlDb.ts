import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import {
    INIT_RESOURCES,
    ImageRef,
    KAFKA_CLIENT_POD_LABEL,
    ResourceSpec,
    appLabels,
    httpProbe,
    httpWorkload,
    imageName,
    nonRootPod,
    readOnlyContainer,
    scratchVolume,
    tcpProbe,
    toResources,
    workloadServiceAccount,
    mountedSecret,
} from "./common";
import {
    javaClientProperties,
    kafkaCaVolume,
    kafkaClientJaasSection,
    propertiesAsEnv,
} from "./kafkaClient";

/** Arguments for {@link KsqlDb}. */
export interface KsqlDbArgs {
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
     * The SASL password (a secret); required unless `PLAINTEXT`. It reaches the server only as the
     * `KafkaClient` section of a mounted JAAS file, never as an environment variable.
     */
    readonly saslPassword?: pulumi.Input<string>;
    /** ConfigMap with the Kafka CA (`ca.crt`) the server trusts; required with `SASL_SSL`. */
    readonly kafkaCaConfigMapName?: pulumi.Input<string>;
    /** Server image. Defaults to `confluentinc/ksqldb-server:0.29.0` (the last standalone release). */
    readonly image: ImageRef;
    /** `ksql.service.id`: prefixes internal topics. Defaults to `ingest_`. */
    readonly serviceId?: string;
    /** Replication of ksqlDB's internal and sink topics: match the broker count. Defaults to 1. */
    readonly replicationFactor?: number;
    /** NodePort for the REST API (kind maps it to localhost); unset = ClusterIP only. */
    readonly nodePort?: number;
    /** Requests/limits of the server container. */
    readonly resources: ResourceSpec;
    /** Deploy a CLI pod for `kubectl exec ... -- ksql <url>`. Defaults to false. */
    readonly cli?: boolean;
    /** CLI image; required when `cli` is true. */
    readonly cliImage?: ImageRef;
    /**
     * HTTP basic auth on the REST API (Jetty JAAS realm) with a generated password for
     * {@link KSQLDB_ADMIN_USER}. Defaults to false.
     */
    readonly basicAuth?: boolean;
}

/** The REST API user the providers authenticate as. */
export const KSQLDB_ADMIN_USER = "admin";

/** Where the REST credentials (password file, password) are mounted. */
export const KSQLDB_AUTH_DIR = "/etc/ksqldb-auth";

/** Where the server JVM's JAAS file (REST realm, Kafka client login) is mounted. */
export const KSQLDB_JAAS_DIR = "/etc/ksqldb-jaas";

/** JAAS file of the server's `KsqlServer-Props` realm, pointing at the password file beside it. */
export function ksqlRestJaas(dir = KSQLDB_AUTH_DIR): string {
    return [
        "KsqlServer-Props {",
        "  org.eclipse.jetty.jaas.spi.PropertyFileLoginModule required",
        `  file="${dir}/password.properties" debug="false";`,
        "};",
        "",
    ].join("\n");
}

/** REST port of the server. */
export const KSQLDB_PORT = 8088;

/** Config directory the image's entrypoint renders the server properties into. */
const KSQLDB_CONFIG_DIR = "/etc/ksqldb";

/** Server settings as the environment of Confluent's image (`KSQL_*` → server properties). */
export function ksqlServerEnv(args: KsqlDbArgs): k8s.types.input.core.v1.EnvVar[] {
    const rf = String(args.replicationFactor ?? 1);
    const env: k8s.types.input.core.v1.EnvVar[] = [
        { name: "KSQL_BOOTSTRAP_SERVERS", value: args.bootstrapServers },
        { name: "KSQL_LISTENERS", value: `http://0.0.0.0:${KSQLDB_PORT}` },
        { name: "KSQL_KSQL_SERVICE_ID", value: args.serviceId ?? "ingest_" },
        { name: "KSQL_KSQL_INTERNAL_TOPIC_REPLICAS", value: rf },
        { name: "KSQL_KSQL_STREAMS_REPLICATION_FACTOR", value: rf },
        { name: "KSQL_KSQL_SINK_REPLICAS", value: rf },
        { name: "KSQL_KSQL_LOGGING_PROCESSING_STREAM_AUTO_CREATE", value: "true" },
        { name: "KSQL_KSQL_LOGGING_PROCESSING_TOPIC_AUTO_CREATE", value: "true" },
        { name: "KSQL_KSQL_LOGGING_PROCESSING_TOPIC_REPLICATION_FACTOR", value: rf },
        { name: "KSQL_HEAP_OPTS", value: "-XX:InitialRAMPercentage=50 -XX:MaxRAMPercentage=75" },
        // Read-only root: logs and the Kafka Streams state stay on the scratch volume.
        { name: "LOG_DIR", value: "/tmp/logs" },
        { name: "KSQL_KSQL_STREAMS_STATE_DIR", value: "/tmp/kafka-streams" },
    ];
    const protocol = args.securityProtocol ?? "PLAINTEXT";
    if (protocol !== "PLAINTEXT") {
        // No secret here: the login is the mounted JAAS file's KafkaClient section.
        env.push(
            ...propertiesAsEnv(
                "KSQL_",
                javaClientProperties(
                    protocol,
                    args.saslMechanism,
                    args.kafkaCaConfigMapName !== undefined,
                ),
            ),
        );
    }
    if (args.basicAuth) {
        env.push(
            { name: "KSQL_AUTHENTICATION_METHOD", value: "BASIC" },
            { name: "KSQL_AUTHENTICATION_REALM", value: "KsqlServer-Props" },
            { name: "KSQL_AUTHENTICATION_ROLES", value: KSQLDB_ADMIN_USER },
        );
    }
    if (args.basicAuth || protocol !== "PLAINTEXT") {
        env.push({
            name: "KSQL_OPTS",
            value: `-Djava.security.auth.login.config=${KSQLDB_JAAS_DIR}/jaas.conf`,
        });
    }
    return env;
}

/** A ksqlDB server (headless-free, interactive mode), and optionally a CLI pod beside it. */
export class KsqlDb extends pulumi.ComponentResource {
    /** REST URL inside the cluster. */
    public readonly url: pulumi.Output<string>;
    /** REST credentials (a secret Output) when `basicAuth` is on, for the providers. */
    public readonly restCredentials?: pulumi.Output<{ username: string; password: string }>;

    constructor(name: string, args: KsqlDbArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ingest:components:KsqlDb", name, {}, opts);
        const protocol = args.securityProtocol ?? "PLAINTEXT";
        if (protocol !== "PLAINTEXT" && (!args.saslUser || args.saslPassword === undefined)) {
            throw new pulumi.ResourceError("KsqlDb: SASL needs saslUser and saslPassword", this);
        }
        if (protocol.endsWith("SSL") && args.kafkaCaConfigMapName === undefined) {
            throw new pulumi.ResourceError(
                `KsqlDb: ${protocol} needs kafkaCaConfigMapName (the CA the brokers' certificates chain to)`,
                this,
            );
        }
        if (args.cli && !args.cliImage) {
            throw new pulumi.ResourceError("KsqlDb: cli is on but cliImage is not set", this);
        }
        const labels = appLabels(name, "ksqldb-server");
        const image = imageName(args.image);
        const volumes = [scratchVolume("tmp", "4Gi"), scratchVolume("config", "64Mi")];
        const mounts: k8s.types.input.core.v1.VolumeMount[] = [
            { name: "tmp", mountPath: "/tmp" },
            { name: "config", mountPath: KSQLDB_CONFIG_DIR },
        ];
        if (args.kafkaCaConfigMapName !== undefined) {
            const ca = kafkaCaVolume(args.kafkaCaConfigMapName);
            volumes.push(ca.volume);
            mounts.push(ca.mount);
        }
        const jaasSections: pulumi.Input<string>[] = [];
        const pod = { volumes, mounts };
        if (args.basicAuth) {
            jaasSections.push(ksqlRestJaas());
            const password = new random.RandomPassword(
                `${name}-rest-password`,
                { length: 32, special: false },
                { parent: this },
            ).result;
            mountedSecret(
                this,
                `${name}-rest-auth`,
                { namespace: args.namespace, labels },
                {
                    // Jetty's format: `user: password,role`.
                    "password.properties": pulumi.interpolate`${KSQLDB_ADMIN_USER}: ${password},${KSQLDB_ADMIN_USER}\n`,
                    password,
                },
                pod,
                "rest-auth",
                KSQLDB_AUTH_DIR,
            );
            this.restCredentials = pulumi.secret(
                password.apply((p) => ({ username: KSQLDB_ADMIN_USER, password: p })),
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
                KSQLDB_JAAS_DIR,
            );
        }
        this.url = httpWorkload(
            {
                name,
                namespace: args.namespace,
                labels,
                podSecurityContext: nonRootPod(1000),
                podLabels: KAFKA_CLIENT_POD_LABEL,
                // Read-only root: the entrypoint renders its properties into an emptyDir seeded
                // with the image's own config directory.
                initContainers: [
                    {
                        name: "seed-config",
                        image,
                        // Not `cp -a`, as for Connect: preserving the root-owned emptyDir's times fails as non-root.
                        command: ["sh", "-c", `cp -R ${KSQLDB_CONFIG_DIR}/. /seed/`],
                        resources: toResources(INIT_RESOURCES),
                        securityContext: readOnlyContainer,
                        volumeMounts: [{ name: "config", mountPath: "/seed" }],
                    },
                ],
                container: {
                    name: "ksqldb",
                    image,
                    env: ksqlServerEnv(args),
                    resources: toResources(args.resources),
                    // Ready once it reaches Kafka and its command topic; alive while it serves.
                    readinessProbe: args.basicAuth
                        ? {
                              // The REST API answers 401 without credentials: ask with them,
                              // read from the mounted file (never part of the pod spec).
                              exec: {
                                  command: [
                                      "sh",
                                      "-c",
                                      `curl -fsS -o /dev/null -u "${KSQLDB_ADMIN_USER}:$(cat ${KSQLDB_AUTH_DIR}/password)" http://127.0.0.1:${KSQLDB_PORT}/healthcheck`,
                                  ],
                              },
                              initialDelaySeconds: 20,
                              periodSeconds: 10,
                              timeoutSeconds: 5,
                              failureThreshold: 6,
                          }
                        : httpProbe("/healthcheck", "rest", 20),
                    livenessProbe: tcpProbe("rest", 90, 20),
                    securityContext: readOnlyContainer,
                    volumeMounts: mounts,
                },
                volumes,
                portName: "rest",
                port: KSQLDB_PORT,
                nodePort: args.nodePort,
            },
            this,
        );

        if (args.cli && args.cliImage) {
            const cliLabels = appLabels(name, "ksqldb-cli");
            const cliAccount = workloadServiceAccount(
                `${name}-cli`,
                args.namespace,
                cliLabels,
                this,
            );
            new k8s.apps.v1.Deployment(
                `${name}-cli`,
                {
                    metadata: { name: `${name}-cli`, namespace: args.namespace, labels: cliLabels },
                    spec: {
                        replicas: 1,
                        selector: { matchLabels: cliLabels },
                        template: {
                            metadata: { labels: cliLabels },
                            spec: {
                                serviceAccountName: cliAccount,
                                automountServiceAccountToken: false,
                                securityContext: nonRootPod(1000),
                                containers: [
                                    {
                                        name: "cli",
                                        image: imageName(args.cliImage),
                                        // Idle: users `kubectl exec` into it and run `ksql <url>`.
                                        command: ["/bin/sh", "-c", "exec sleep 2147483647"],
                                        env: [{ name: "KSQLDB_URL", value: this.url }],
                                        resources: toResources({
                                            cpuRequest: "10m",
                                            memoryRequest: "64Mi",
                                            cpuLimit: "500m",
                                            memoryLimit: "512Mi",
                                        }),
                                        readinessProbe: {
                                            exec: { command: ["test", "-x", "/usr/bin/ksql"] },
                                        },
                                        // The pod only idles: alive while its shell runs.
                                        livenessProbe: {
                                            exec: { command: ["true"] },
                                            periodSeconds: 60,
                                        },
                                        securityContext: readOnlyContainer,
                                        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                                    },
                                ],
                                volumes: [scratchVolume("tmp", "256Mi")],
                            },
                        },
                    },
                },
                { parent: this },
            );
        }
        this.registerOutputs({ url: this.url });
    }
}
