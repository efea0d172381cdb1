/**
 * Apache Flume agents on Kubernetes: one Deployment per agent, its `flume.conf` generated from
 * typed args into a ConfigMap, a PVC for file channels and a Service for network sources.
 */
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    KAFKA_CLIENT_POD_LABEL,
    appLabels,
    httpProbe,
    nonRootPod,
    readOnlyContainer,
    resolveImage,
    scratchVolume,
    tcpProbe,
    toResources,
    workloadServiceAccount,
    type ImageSource,
    type ResourceSpec,
} from "./common";
import {
    DEFAULT_FILE_CHANNEL_DIR,
    DEFAULT_SASL_PASSWORD_ENV,
    flumeAgentConfig,
    validateFlumeAgent,
    type FlumeAgentDefinition,
    type FlumeKafkaSasl,
} from "./flume/config";
import { KAFKA_CA_PATH, kafkaCaVolume } from "./kafkaClient";

export * from "./flume/config";

/** Flume version of the image built from `components/platform/flume/Dockerfile`. */
export const FLUME_VERSION = "1.11.0";

/** Port of the agents' JSON metrics endpoint (`/metrics`), set by the image's entrypoint. */
export const FLUME_METRICS_PORT = 34545;

/**
 * Port the platform's HTTP-source agents listen on (seed 003's unorganized text); the NetworkPolicy
 * opens it to the operator when `flume.httpNodePort` exposes it to the host.
 */
export const FLUME_HTTP_SOURCE_PORT = 8080;

/** uid/gid the image runs as (see the Dockerfile). */
const FLUME_UID = 10001;

/** Arguments for {@link Flume}. */
export interface FlumeArgs extends ImageSource {
    /** Namespace to deploy into. */
    readonly namespace: pulumi.Input<string>;
    /** Agents to run, one Deployment each. At least one; names must be unique. */
    readonly agents: readonly FlumeAgentDefinition[];
    /** Kafka bootstrap servers. Required when an agent has a Kafka source or sink; no default. */
    readonly kafkaBootstrapServers?: pulumi.Input<string>;
    /** Kafka `security.protocol`: `PLAINTEXT`, `SASL_PLAINTEXT` or `SASL_SSL`. Defaults to `PLAINTEXT`. */
    readonly securityProtocol?: string;
    /** SASL user; required unless `PLAINTEXT`. */
    readonly saslUser?: string;
    /** SASL mechanism. Defaults to `PLAIN`. */
    readonly saslMechanism?: FlumeKafkaSasl["mechanism"];
    /** Secret holding the SASL password; required unless `PLAINTEXT`. */
    readonly saslSecretName?: pulumi.Input<string>;
    /** Key of the password in that Secret. Defaults to `client-passwords` (the Bitnami chart's). */
    readonly saslSecretKey?: string;
    /** ConfigMap with the Kafka CA (`ca.crt`) the agents trust; required with `SASL_SSL`. */
    readonly kafkaCaConfigMapName?: pulumi.Input<string>;
    /**
     * ConfigMap holding `core-site.xml` and `hdfs-site.xml` (the `Hdfs` component's
     * `configMapName`), mounted as `HADOOP_CONF_DIR`. Required when an agent has an HDFS sink.
     */
    readonly hadoopConfigMapName?: pulumi.Input<string>;
    /** HDFS user the agents write as (simple auth). Defaults to `flume`. */
    readonly hdfsUser?: string;
    /** Size of each file channel's PVC. Defaults to `5Gi`. */
    readonly channelVolumeSize?: string;
    /** Storage class of the file-channel PVCs. Defaults to the cluster's default class. */
    readonly storageClassName?: pulumi.Input<string>;
    /** Resources per agent container. Defaults to 250m/512Mi requested, 1 CPU/1Gi limit. */
    readonly resources?: ResourceSpec;
    /**
     * NodePort (30000-32767) per agent name exposing its HTTP or netcat source to the host (kind
     * maps it to localhost). Defaults to none: the sources are ClusterIP Services.
     */
    readonly sourceNodePorts?: Readonly<Record<string, number>>;
}

const DEFAULT_RESOURCES: ResourceSpec = {
    cpuRequest: "250m",
    memoryRequest: "512Mi",
    cpuLimit: "1",
    memoryLimit: "1Gi",
};

/**
 * Flume agents. The image is built from `components/platform/flume/Dockerfile` (pushed to
 * `buildRegistry`, or only built when it is unset: on kind run
 * `kind load docker-image ingest.local/flume:1.11.0`) unless `image` names one built from it.
 *
 * Each agent's `flume.conf` lives in an auto-named ConfigMap, so a config change replaces the
 * ConfigMap and rolls the agent's pods. Agents with a file channel keep it on a PVC and roll
 * with `Recreate`, so the old pod releases the channel's lock before the new one opens it.
 */
export class Flume extends pulumi.ComponentResource {
    /** Image the agents run. */
    public readonly image: pulumi.Output<string>;
    /** Deployment name per agent. */
    public readonly deploymentNames: Record<string, pulumi.Output<string>>;
    /** In-cluster `host:port` per agent with an HTTP or netcat source. */
    public readonly sourceEndpoints: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: FlumeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ingest:components:Flume", name, {}, opts);

        const problems = flumeArgsProblems(args);
        if (problems.length > 0) {
            throw new pulumi.ResourceError(`Flume ${name}:\n  - ${problems.join("\n  - ")}`, this);
        }
        this.image = resolveImage(
            name,
            args,
            { context: path.join(__dirname, "flume"), repository: "flume", tag: FLUME_VERSION },
            this,
        );
        this.deploymentNames = {};
        this.sourceEndpoints = {};
        for (const agent of args.agents) {
            const deployment = this.agent(name, agent, args);
            this.deploymentNames[agent.name] = deployment.metadata.name;
        }
        this.registerOutputs({
            image: this.image,
            deploymentNames: this.deploymentNames,
            sourceEndpoints: this.sourceEndpoints,
        });
    }

    private agent(
        name: string,
        agent: FlumeAgentDefinition,
        args: FlumeArgs,
    ): k8s.apps.v1.Deployment {
        const base = `${name}-${agent.name}`;
        const labels = appLabels(base, "flume");
        const metadata = { namespace: args.namespace, labels };
        const config = new k8s.core.v1.ConfigMap(
            `${base}-config`,
            {
                metadata,
                data: {
                    "flume.conf": pulumi
                        .output(args.kafkaBootstrapServers ?? "")
                        .apply((bootstrap) =>
                            flumeAgentConfig({
                                ...agent,
                                kafkaBootstrapServers: bootstrap || undefined,
                                kafkaSasl: kafkaSasl(args),
                            }),
                        ),
                },
            },
            { parent: this },
        );

        const volumes: k8s.types.input.core.v1.Volume[] = [
            { name: "config", configMap: { name: config.metadata.name } },
            scratchVolume("tmp"),
        ];
        const mounts: k8s.types.input.core.v1.VolumeMount[] = [
            { name: "config", mountPath: "/etc/flume", readOnly: true },
            { name: "tmp", mountPath: "/tmp" },
        ];
        if (saslEnv(agent, args).length > 0) {
            // The password as a file the launcher reads (flume-agent.sh), not a pod-spec variable.
            volumes.push({
                name: "kafka-sasl",
                secret: {
                    secretName: args.saslSecretName,
                    items: [{ key: args.saslSecretKey ?? "client-passwords", path: "password" }],
                    defaultMode: 0o440,
                },
            });
            mounts.push({ name: "kafka-sasl", mountPath: FLUME_KAFKA_SASL_DIR, readOnly: true });
            if (args.kafkaCaConfigMapName !== undefined) {
                const ca = kafkaCaVolume(args.kafkaCaConfigMapName);
                volumes.push(ca.volume);
                mounts.push(ca.mount);
            }
        }
        if (agent.sink.type === "hdfs") {
            volumes.push({ name: "hadoop-conf", configMap: { name: args.hadoopConfigMapName } });
            mounts.push({ name: "hadoop-conf", mountPath: "/etc/hadoop/conf", readOnly: true });
        }
        if (agent.channel.type === "file") {
            const claim = new k8s.core.v1.PersistentVolumeClaim(
                `${base}-channel`,
                {
                    metadata: { ...metadata, name: `${base}-channel` },
                    spec: {
                        accessModes: ["ReadWriteOnce"],
                        storageClassName: args.storageClassName,
                        resources: { requests: { storage: args.channelVolumeSize ?? "5Gi" } },
                    },
                },
                { parent: this },
            );
            volumes.push({
                name: "channel",
                persistentVolumeClaim: { claimName: claim.metadata.name },
            });
            mounts.push({
                name: "channel",
                mountPath: agent.channel.directory ?? DEFAULT_FILE_CHANNEL_DIR,
            });
        }

        const ports: k8s.types.input.core.v1.ContainerPort[] = [
            { name: "metrics", containerPort: FLUME_METRICS_PORT },
        ];
        const listens = agent.source.type === "kafka" ? undefined : agent.source.port;
        if (listens !== undefined) ports.push({ name: "source", containerPort: listens });

        const serviceAccountName = workloadServiceAccount(base, args.namespace, labels, this);
        const deployment = new k8s.apps.v1.Deployment(
            base,
            {
                metadata: { ...metadata, name: base },
                spec: {
                    replicas: 1,
                    selector: { matchLabels: labels },
                    strategy: {
                        type: agent.channel.type === "file" ? "Recreate" : "RollingUpdate",
                    },
                    template: {
                        metadata: { labels: { ...KAFKA_CLIENT_POD_LABEL, ...labels } },
                        spec: {
                            serviceAccountName,
                            automountServiceAccountToken: false,
                            securityContext: nonRootPod(FLUME_UID),
                            containers: [
                                {
                                    name: "flume",
                                    image: this.image,
                                    args: [agent.name, "/etc/flume/flume.conf"],
                                    env: [
                                        {
                                            name: "HADOOP_USER_NAME",
                                            value: args.hdfsUser ?? "flume",
                                        },
                                        ...saslEnv(agent, args),
                                    ],
                                    ports,
                                    volumeMounts: mounts,
                                    resources: toResources(args.resources ?? DEFAULT_RESOURCES),
                                    securityContext: readOnlyContainer,
                                    // Alive while the metrics server listens; readiness asks it.
                                    livenessProbe: tcpProbe("metrics", 60, 20),
                                    readinessProbe:
                                        listens === undefined
                                            ? httpProbe("/metrics", "metrics", 20)
                                            : tcpProbe("source", 20),
                                },
                            ],
                            volumes,
                        },
                    },
                },
            },
            { parent: this },
        );

        const nodePort = args.sourceNodePorts?.[agent.name];
        if (listens !== undefined) {
            const service = new k8s.core.v1.Service(
                base,
                {
                    metadata: { ...metadata, name: base },
                    spec: {
                        type: nodePort === undefined ? "ClusterIP" : "NodePort",
                        selector: labels,
                        ports: [
                            {
                                name: agent.source.type,
                                port: listens,
                                targetPort: "source",
                                nodePort,
                            },
                        ],
                    },
                },
                { parent: this },
            );
            this.sourceEndpoints[agent.name] =
                pulumi.interpolate`${service.metadata.name}.${service.metadata.namespace}.svc:${listens}`;
        }
        return deployment;
    }
}

/** The agents' SASL settings from the args, or undefined for PLAINTEXT. */
function kafkaSasl(args: FlumeArgs): FlumeKafkaSasl | undefined {
    const protocol = args.securityProtocol ?? "PLAINTEXT";
    if (protocol === "PLAINTEXT") return undefined;
    return {
        protocol: protocol as FlumeKafkaSasl["protocol"],
        username: args.saslUser ?? "",
        mechanism: args.saslMechanism,
        ...(args.kafkaCaConfigMapName === undefined ? {} : { truststorePem: KAFKA_CA_PATH }),
    };
}

/** Where an agent mounts its Kafka SASL password file. */
export const FLUME_KAFKA_SASL_DIR = "/etc/flume-kafka";

/**
 * Where the launcher finds the SASL password: a file mounted from its Secret, which flume-agent.sh
 * reads into the variable Flume's config filter reads (`DEFAULT_SASL_PASSWORD_ENV`).
 */
function saslEnv(agent: FlumeAgentDefinition, args: FlumeArgs): k8s.types.input.core.v1.EnvVar[] {
    const usesKafka = agent.source.type === "kafka" || agent.sink.type === "kafka";
    if (!usesKafka || kafkaSasl(args) === undefined) return [];
    return [
        {
            name: `${DEFAULT_SASL_PASSWORD_ENV}_FILE`,
            value: `${FLUME_KAFKA_SASL_DIR}/password`,
        },
    ];
}

/** Every problem with `args` that can be found before deployment, one message each. */
export function flumeArgsProblems(args: FlumeArgs): string[] {
    const problems: string[] = [];
    if (args.agents.length === 0) problems.push("agents: at least one agent is required");
    const protocol = args.securityProtocol ?? "PLAINTEXT";
    if (!["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL"].includes(protocol)) {
        problems.push(
            `securityProtocol "${protocol}" must be PLAINTEXT, SASL_PLAINTEXT or SASL_SSL`,
        );
    } else if (protocol !== "PLAINTEXT" && (!args.saslUser || args.saslSecretName === undefined)) {
        problems.push(`securityProtocol ${protocol} needs saslUser and saslSecretName`);
    } else if (protocol === "SASL_SSL" && args.kafkaCaConfigMapName === undefined) {
        problems.push("securityProtocol SASL_SSL needs kafkaCaConfigMapName (the brokers' CA)");
    }
    const seen = new Set<string>();
    for (const agent of args.agents) {
        if (seen.has(agent.name)) problems.push(`agents: name "${agent.name}" is used twice`);
        const nodePort = args.sourceNodePorts?.[agent.name];
        if (nodePort !== undefined) {
            if (agent.source.type === "kafka") {
                problems.push(`sourceNodePorts.${agent.name}: its source is Kafka, not a listener`);
            } else if (!Number.isInteger(nodePort) || nodePort < 30000 || nodePort > 32767) {
                problems.push(
                    `sourceNodePorts.${agent.name} must be in the NodePort range 30000-32767 (got ${nodePort})`,
                );
            }
        }
        seen.add(agent.name);
        // The bootstrap may be an unresolved output here; its presence is what matters.
        const bootstrap = args.kafkaBootstrapServers === undefined ? undefined : "(set)";
        const sasl = args.saslUser ? kafkaSasl(args) : undefined;
        problems.push(
            ...validateFlumeAgent({ ...agent, kafkaBootstrapServers: bootstrap, kafkaSasl: sasl }),
        );
        if (agent.sink.type === "hdfs" && args.hadoopConfigMapName === undefined) {
            problems.push(`agent ${agent.name}: hadoopConfigMapName is required by its HDFS sink`);
        }
    }
    return problems;
}
