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
    /** `PLAINTEXT` or `SASL_PLAINTEXT`. Defaults to `PLAINTEXT`. */
    readonly securityProtocol?: string;
    /** SASL user; required with `SASL_PLAINTEXT`. */
    readonly saslUser?: string;
    /** `PLAIN` or `SCRAM-SHA-512`. Defaults to `PLAIN`. */
    readonly saslMechanism?: string;
    /** Secret holding the SASL password under `client-passwords`. */
    readonly saslSecretName?: pulumi.Input<string>;
    /** Image. Defaults come from config: `redpandadata/console:v2.8.5` (seed 003's web UI). */
    readonly image: ImageRef;
    /** NodePort for the UI (kind maps it to localhost); unset = ClusterIP only. */
    readonly nodePort?: number;
    /** Requests/limits. */
    readonly resources: ResourceSpec;
}

/** HTTP port of the console. */
export const CONSOLE_PORT = 8080;

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
    if ((args.securityProtocol ?? "PLAINTEXT") !== "PLAINTEXT") {
        env.push(
            { name: "KAFKA_SASL_ENABLED", value: "true" },
            { name: "KAFKA_SASL_MECHANISM", value: args.saslMechanism ?? "PLAIN" },
            { name: "KAFKA_SASL_USERNAME", value: args.saslUser },
            {
                name: "KAFKA_SASL_PASSWORD",
                valueFrom: {
                    secretKeyRef: { name: args.saslSecretName!, key: "client-passwords" },
                },
            },
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
        const labels = appLabels(name, "console");
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
                    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                },
                volumes: [scratchVolume("tmp", "256Mi")],
                portName: "http",
                port: CONSOLE_PORT,
                nodePort: args.nodePort,
            },
            this,
        );
        this.registerOutputs({ url: this.url });
    }
}
