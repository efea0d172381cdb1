import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
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
} from "./common";
import { KAFKA_CA_PATH, kafkaCaVolume } from "./kafkaClient";

/** Arguments for {@link Console}. */
export interface ConsoleArgs {
    /** Namespace to deploy into. */
    readonly namespace: pulumi.Input<string>;
    /** Kafka bootstrap servers, in-cluster. */
    readonly bootstrapServers: pulumi.Input<string>;
    /** Connect REST URL, in-cluster; unset = no Connect tab. */
    readonly connectUrl?: pulumi.Input<string>;
    /** Connect's REST basic-auth user and the Secret holding its password under `password`. */
    readonly connectAuth?: {
        readonly username: string;
        readonly passwordSecretName: pulumi.Input<string>;
    };
    /** `PLAINTEXT`, `SASL_PLAINTEXT` or `SASL_SSL`. Defaults to `PLAINTEXT`. */
    readonly securityProtocol?: string;
    /** SASL user; required unless `PLAINTEXT`. */
    readonly saslUser?: string;
    /** `PLAIN` or `SCRAM-SHA-512`. Defaults to `PLAIN`. */
    readonly saslMechanism?: string;
    /**
     * The SASL password (a secret); required unless `PLAINTEXT`. It reaches the console only in
     * a mounted config file (`CONFIG_FILEPATH`), never as an environment variable.
     */
    readonly saslPassword?: pulumi.Input<string>;
    /** ConfigMap with the Kafka CA (`ca.crt`) the console trusts; required with `SASL_SSL`. */
    readonly kafkaCaConfigMapName?: pulumi.Input<string>;
    /** Image. Defaults come from config: `redpandadata/console:v2.8.5` (seed 003's web UI). */
    readonly image: ImageRef;
    /** NodePort for the UI (kind maps it to localhost); unset = ClusterIP only. */
    readonly nodePort?: number;
    /** Requests/limits. */
    readonly resources: ResourceSpec;
}

/** HTTP port of the console. */
export const CONSOLE_PORT = 8080;

/** Where the console's secret config file (the Kafka SASL password) is mounted. */
export const CONSOLE_CONFIG_DIR = "/etc/console";

/** The console's config file: only the SASL password (env carries the rest). JSON is YAML. */
export function consoleSecretConfig(password: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi
        .output(password)
        .apply((p) => JSON.stringify({ kafka: { sasl: { password: p } } }, null, 2) + "\n");
}

/** Console settings as environment variables (Redpanda Console v2 maps env to its config). */
export function consoleEnv(args: ConsoleArgs): k8s.types.input.core.v1.EnvVar[] {
    const env: k8s.types.input.core.v1.EnvVar[] = [
        { name: "KAFKA_BROKERS", value: args.bootstrapServers },
    ];
    if (args.connectUrl !== undefined) {
        env.push(
            { name: "CONNECT_ENABLED", value: "true" },
            { name: "CONNECT_CLUSTERS_NAME", value: "ingest" },
            { name: "CONNECT_CLUSTERS_URL", value: args.connectUrl },
        );
        if (args.connectAuth !== undefined) {
            env.push(
                { name: "CONNECT_CLUSTERS_USERNAME", value: args.connectAuth.username },
                {
                    name: "CONNECT_CLUSTERS_PASSWORD",
                    valueFrom: {
                        secretKeyRef: {
                            name: args.connectAuth.passwordSecretName,
                            key: "password",
                        },
                    },
                },
            );
        }
    }
    const protocol = args.securityProtocol ?? "PLAINTEXT";
    if (protocol !== "PLAINTEXT") {
        env.push(
            { name: "KAFKA_SASL_ENABLED", value: "true" },
            { name: "KAFKA_SASL_MECHANISM", value: args.saslMechanism ?? "PLAIN" },
            { name: "KAFKA_SASL_USERNAME", value: args.saslUser },
            // The password is in this file (mounted from a Secret), merged under the env.
            { name: "CONFIG_FILEPATH", value: `${CONSOLE_CONFIG_DIR}/config.yaml` },
        );
    }
    if (protocol.endsWith("SSL")) {
        env.push(
            { name: "KAFKA_TLS_ENABLED", value: "true" },
            { name: "KAFKA_TLS_CAFILEPATH", value: KAFKA_CA_PATH },
        );
    }
    return env;
}

/** A Kafka web UI (Redpanda Console) wired to Kafka and Connect. */
export class Console extends pulumi.ComponentResource {
    /** UI URL inside the cluster. */
    public readonly url: pulumi.Output<string>;

    constructor(name: string, args: ConsoleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ingest:components:Console", name, {}, opts);
        const protocol = args.securityProtocol ?? "PLAINTEXT";
        if (protocol !== "PLAINTEXT" && (!args.saslUser || args.saslPassword === undefined)) {
            throw new pulumi.ResourceError("Console: SASL needs saslUser and saslPassword", this);
        }
        if (protocol.endsWith("SSL") && args.kafkaCaConfigMapName === undefined) {
            throw new pulumi.ResourceError(
                `Console: ${protocol} needs kafkaCaConfigMapName (the CA the brokers' certificates chain to)`,
                this,
            );
        }
        const labels = appLabels(name, "console");
        const volumes: k8s.types.input.core.v1.Volume[] = [scratchVolume("tmp", "256Mi")];
        const mounts: k8s.types.input.core.v1.VolumeMount[] = [{ name: "tmp", mountPath: "/tmp" }];
        if (protocol !== "PLAINTEXT") {
            const config = new k8s.core.v1.Secret(
                `${name}-config`,
                {
                    metadata: { name: `${name}-config`, namespace: args.namespace, labels },
                    stringData: { "config.yaml": consoleSecretConfig(args.saslPassword!) },
                },
                { parent: this },
            );
            volumes.push({
                name: "config",
                secret: { secretName: config.metadata.name, defaultMode: 0o440 },
            });
            mounts.push({ name: "config", mountPath: CONSOLE_CONFIG_DIR, readOnly: true });
        }
        if (args.kafkaCaConfigMapName !== undefined) {
            const ca = kafkaCaVolume(args.kafkaCaConfigMapName);
            volumes.push(ca.volume);
            mounts.push(ca.mount);
        }
        this.url = httpWorkload(
            {
                name,
                namespace: args.namespace,
                labels,
                podSecurityContext: nonRootPod(99),
                podLabels: KAFKA_CLIENT_POD_LABEL,
                container: {
                    name: "console",
                    image: imageName(args.image),
                    env: consoleEnv(args),
                    resources: toResources(args.resources, { request: "64Mi", limit: "512Mi" }),
                    readinessProbe: httpProbe("/admin/health", "http", 5),
                    // Health includes reaching Kafka; a broker outage must not restart the UI.
                    livenessProbe: tcpProbe("http", 30, 20),
                    securityContext: readOnlyContainer,
                    volumeMounts: mounts,
                },
                volumes,
                portName: "http",
                port: CONSOLE_PORT,
                nodePort: args.nodePort,
            },
            this,
        );
        this.registerOutputs({ url: this.url });
    }
}
