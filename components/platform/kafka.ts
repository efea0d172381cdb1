import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ImageRef, ResourceSpec, appLabels, toResources } from "./common";
import { kafkaNetworkPolicyValues } from "./networkPolicies";

/** The Bitnami Kafka chart. Chart 32.4.4 deploys Kafka 4.0.0. */
export const KAFKA_CHART = "oci://registry-1.docker.io/bitnamicharts/kafka";

/** Arguments for {@link Kafka}. */
export interface KafkaArgs {
    /** Namespace to deploy into. */
    readonly namespace: pulumi.Input<string>;
    /**
     * Where the chart comes from: an OCI reference, a chart name in {@link chartRepository}, or a
     * local chart directory (with its `common` dependency under `charts/`), for clusters and
     * machines that cannot reach Docker Hub. Defaults to {@link KAFKA_CHART}.
     */
    readonly chart?: string;
    /** A Helm repository (e.g. a mirror of Bitnami's) in which {@link chart} is a chart name. */
    readonly chartRepository?: string;
    /** Exact chart version. Defaults to `32.4.4` (Kafka 4.0.0); not used for a local directory. */
    readonly chartVersion?: string;
    /** Combined controller+broker nodes. Defaults to 1. */
    readonly replicas?: number;
    /** `default.replication.factor` and internal topics' replication. Defaults to min(3, replicas). */
    readonly replicationFactor?: number;
    /** `min.insync.replicas`. Defaults to min(2, replication factor). */
    readonly minInsyncReplicas?: number;
    /** Whether brokers create topics on first use. Defaults to false: topics are declared resources. */
    readonly autoCreateTopics?: boolean;
    /** KRaft cluster id (22 base64url characters). Defaults to one derived from `seed`. */
    readonly clusterId?: string;
    /** Seed for the derived KRaft ids: keep it stable per stack. Defaults to the resource name. */
    readonly seed?: string;
    /**
     * `plaintext` (dev) or `sasl` (SASL_PLAINTEXT with generated passwords: SCRAM-SHA-512 for
     * clients and brokers, PLAIN between controllers). Defaults to `plaintext`.
     */
    readonly security?: "plaintext" | "sasl";
    /** PVC size per node. Defaults to `8Gi`. */
    readonly storageSize?: string;
    /** Storage class; defaults to the cluster default. */
    readonly storageClass?: string;
    /** Requests/limits of each Kafka container. */
    readonly resources: ResourceSpec;
    /** Kafka, os-shell, kubectl and jmx-exporter images (Bitnami moved them to `bitnamilegacy`). */
    readonly images: {
        readonly kafka: ImageRef;
        readonly osShell: ImageRef;
        readonly kubectl: ImageRef;
        readonly jmxExporter: ImageRef;
    };
    /**
     * `global.security.allowInsecureImages`. Defaults to {@link needsInsecureImages}: on only
     * when an image comes from outside Docker Hub's `bitnami`/`bitnamilegacy` repositories (a
     * mirror), the one case where chart 32.4.4 refuses to render without it.
     */
    readonly allowInsecureImages?: boolean;
    /** Enable the JMX exporter sidecar. Defaults to false. */
    readonly metrics?: boolean;
    /** First NodePort of the external listener (one per node); unset = no external listener. */
    readonly externalNodePort?: number;
    /** Host advertised on the external listener. Defaults to `127.0.0.1` (kind port mapping). */
    readonly externalHost?: string;
    /**
     * The chart's `networkPolicy` values. Defaults to listeners reachable only from Kafka pods and
     * pods labelled `kafka-client: "true"`, and brokers that reach only each other and DNS.
     */
    readonly networkPolicy?: Record<string, unknown>;
    /** User Helm values, merged last so they override everything above. */
    readonly extraValues?: Record<string, unknown>;
}

/** True when `chart` names a chart directory on disk rather than a repository chart. */
export function isLocalChart(chart: string): boolean {
    return chart.startsWith("/") || chart.startsWith("./") || chart.startsWith("../");
}

/** The `helm.v4.Chart` source arguments for {@link KafkaArgs}: chart, version, repository. */
export function kafkaChartSource(
    args: Pick<KafkaArgs, "chart" | "chartRepository" | "chartVersion">,
): {
    chart: string;
    version?: string;
    repositoryOpts?: { repo: string };
} {
    const chart = args.chart ?? KAFKA_CHART;
    // A directory is used as it is: Helm ignores a version for it, so none is passed.
    if (isLocalChart(chart)) return { chart };
    return {
        chart,
        version: args.chartVersion ?? "32.4.4",
        ...(args.chartRepository === undefined
            ? {}
            : { repositoryOpts: { repo: args.chartRepository } }),
    };
}

/** A Kafka Uuid (16 bytes, base64url, 22 characters) derived from a seed: stable across renders. */
export function derivedKraftId(seed: string): string {
    const bytes = createHash("sha256").update(seed).digest().subarray(0, 16);
    // The first character is the top 6 bits of byte 0. Force it to a lower-case letter: the id is
    // passed on command lines (kafka-storage format --cluster-id <id>), where a leading "-" reads
    // as an option, and a non-zero first byte also keeps clear of Kafka's reserved ids.
    bytes[0] = ((26 + ((bytes[0] >> 2) % 26)) << 2) | (bytes[0] & 3);
    return bytes.toString("base64url");
}

/**
 * Whether chart 32.4.4 needs `global.security.allowInsecureImages` for these images. Its check
 * (common 2.31.4 `common.errors.insecureImages`, run from NOTES.txt) compares each image with the
 * chart's `images` annotation (`docker.io/bitnami/...`): an image from another registry (a
 * mirror) fails the render unless the flag is on, while `docker.io/bitnamilegacy/...` replacements
 * only print a warning. So the flag is needed for a mirror, not for `bitnamilegacy`.
 */
export function needsInsecureImages(images: readonly ImageRef[]): boolean {
    return images.some(
        (i) => i.registry !== "docker.io" || !/^bitnami(legacy)?\//.test(i.repository),
    );
}

/** `image` with its registry replaced by `mirror` (the repository path is kept). */
export function mirrored(image: ImageRef, mirror: string | undefined): ImageRef {
    return mirror === undefined ? image : { ...image, registry: mirror };
}

/** A SASL mechanism the platform's Kafka clients can use. */
export type KafkaSaslMechanism = "PLAIN" | "SCRAM-SHA-512";

/** The mechanism clients of the chart's Kafka use: PLAIN is refused on every listener but the controllers'. */
export const KAFKA_SASL_MECHANISM: KafkaSaslMechanism = "SCRAM-SHA-512";

/** The SASL client user Connect, ksqlDB and scripts authenticate as. */
export const KAFKA_CLIENT_USER = "ingest";

/** Inputs to {@link buildKafkaValues} that are resolved by the component. */
export interface KafkaValueInputs {
    readonly fullname: string;
    readonly kraftSecretName: pulumi.Input<string>;
    readonly saslSecretName?: pulumi.Input<string>;
}

function imageValues(image: ImageRef) {
    return { registry: image.registry, repository: image.repository, tag: image.tag };
}

/**
 * Chart values for {@link Kafka}. Pure and deterministic: the same args render the same values,
 * because Helm is re-rendered on every preview and any random value would show as a change.
 * No password is ever a value: they live in Secrets the chart references by name.
 */
export function buildKafkaValues(
    args: KafkaArgs,
    inputs: KafkaValueInputs,
): Record<string, unknown> {
    const replicas = args.replicas ?? 1;
    const rf = args.replicationFactor ?? Math.min(3, replicas);
    const isr = args.minInsyncReplicas ?? Math.min(2, rf);
    const protocol = (args.security ?? "plaintext") === "sasl" ? "SASL_PLAINTEXT" : "PLAINTEXT";
    const external = args.externalNodePort;
    const values: Record<string, unknown> = {
        fullnameOverride: inputs.fullname,
        global: {
            security: {
                allowInsecureImages:
                    args.allowInsecureImages ?? needsInsecureImages(Object.values(args.images)),
            },
        },
        image: imageValues(args.images.kafka),
        // The chart would otherwise pick random directory ids per render (it cannot `lookup` under
        // Pulumi): the Secret holding the cluster id and controller directory ids is ours.
        existingKraftSecret: inputs.kraftSecretName,
        listeners: {
            client: { protocol },
            controller: { protocol },
            interbroker: { protocol },
            external: { protocol },
        },
        sasl:
            protocol === "PLAINTEXT"
                ? { client: { users: [KAFKA_CLIENT_USER] } }
                : {
                      // KRaft controllers cannot authenticate each other with SCRAM (the
                      // credentials live in the metadata they replicate), so PLAIN stays enabled
                      // for the controller listener only; clients and brokers use SCRAM-SHA-512,
                      // bootstrapped into the metadata at format time by the chart.
                      enabledMechanisms: `PLAIN,${KAFKA_SASL_MECHANISM}`,
                      interBrokerMechanism: KAFKA_SASL_MECHANISM,
                      controllerMechanism: "PLAIN",
                      client: { users: [KAFKA_CLIENT_USER] },
                      existingSecret: inputs.saslSecretName,
                  },
        controller: {
            replicaCount: replicas,
            controllerOnly: false,
            resourcesPreset: "none",
            resources: toResources(args.resources),
            persistence: { size: args.storageSize ?? "8Gi", storageClass: args.storageClass ?? "" },
            // Kafka's page cache needs headroom: heap at half of the memory limit.
            heapOpts: "-XX:InitialRAMPercentage=50 -XX:MaxRAMPercentage=50",
            // One node per Kubernetes node (the chart's default is a weight-1 preference): with
            // min.insync.replicas 2 of 3, one drain or node loss never stops writes.
            podAntiAffinityPreset: "hard",
            topologySpreadConstraints: [
                {
                    maxSkew: 1,
                    topologyKey: "topology.kubernetes.io/zone",
                    whenUnsatisfiable: "ScheduleAnyway",
                    labelSelector: {
                        matchLabels: {
                            "app.kubernetes.io/instance": inputs.fullname,
                            "app.kubernetes.io/name": "kafka",
                            "app.kubernetes.io/component": "controller-eligible",
                        },
                    },
                },
            ],
            // The chart's PDB over the combined nodes: one voluntary disruption at a time.
            pdb: { create: true, maxUnavailable: 1 },
        },
        // No broker-only nodes: their PDB would select nothing.
        broker: { replicaCount: 0, pdb: { create: false } },
        overrideConfiguration: {
            ...(protocol === "PLAINTEXT"
                ? {}
                : Object.fromEntries(
                      ["client", "internal", "external"].map((l) => [
                          `listener.name.${l}.sasl.enabled.mechanisms`,
                          KAFKA_SASL_MECHANISM,
                      ]),
                  )),
            "auto.create.topics.enable": String(args.autoCreateTopics ?? false),
            "default.replication.factor": String(rf),
            "min.insync.replicas": String(isr),
            "offsets.topic.replication.factor": String(rf),
            "transaction.state.log.replication.factor": String(rf),
            "transaction.state.log.min.isr": String(isr),
        },
        defaultInitContainers: {
            volumePermissions: { image: imageValues(args.images.osShell) },
            autoDiscovery: { enabled: false, image: imageValues(args.images.kubectl) },
        },
        metrics: {
            jmx: { enabled: args.metrics ?? false, image: imageValues(args.images.jmxExporter) },
        },
        networkPolicy: args.networkPolicy ?? kafkaNetworkPolicyValues({ cidrs: [] }, []),
        // Topics are KafkaTopic resources; the chart's provisioning Job relies on Helm hooks.
        // Its ServiceAccount is rendered even with the Job off: drop it too.
        provisioning: { enabled: false, serviceAccount: { create: false } },
        externalAccess:
            external === undefined
                ? { enabled: false }
                : {
                      enabled: true,
                      controller: {
                          service: {
                              type: "NodePort",
                              nodePorts: Array.from({ length: replicas }, (_, i) => external + i),
                              domain: args.externalHost ?? "127.0.0.1",
                          },
                      },
                  },
    };
    return { ...values, ...(args.extraValues ?? {}) };
}

/**
 * Kafka in KRaft mode from the Bitnami chart, rendered with `helm.v4.Chart`: every object is a
 * Pulumi resource, so `pulumi preview` shows the exact objects that change (a `helm.v3.Release`
 * shows only a values diff). v4 skips Helm hooks; the only hooked template, the provisioning Job,
 * is disabled because topics are declared as `KafkaTopic` resources.
 */
export class Kafka extends pulumi.ComponentResource {
    /** In-cluster bootstrap servers. */
    public readonly bootstrapServers: pulumi.Output<string>;
    /** Bootstrap servers reachable from the host through the NodePort, when enabled. */
    public readonly hostBootstrapServers?: pulumi.Output<string>;
    /** Kafka security protocol clients must use. */
    public readonly securityProtocol: string;
    /** Secret holding the SASL client password under `client-passwords`, when SASL is on. */
    public readonly saslSecretName?: pulumi.Output<string>;
    /** KRaft cluster id. */
    public readonly clusterId: string;
    /** The SASL client password (a secret Output), when SASL is on; for providers that run on the host. */
    public readonly clientPassword?: pulumi.Output<string>;

    constructor(name: string, args: KafkaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ingest:components:Kafka", name, {}, opts);
        const replicas = args.replicas ?? 1;
        const seed = args.seed ?? name;
        this.clusterId = args.clusterId ?? derivedKraftId(`${seed}/cluster`);
        this.securityProtocol = args.security === "sasl" ? "SASL_PLAINTEXT" : "PLAINTEXT";
        const labels = appLabels(name, "kafka");

        const controllerIds = Object.fromEntries(
            Array.from({ length: replicas }, (_, i) => [
                `controller-${i}-id`,
                derivedKraftId(`${seed}/controller-${i}`),
            ]),
        );
        const kraftSecret = new k8s.core.v1.Secret(
            `${name}-kraft`,
            {
                metadata: { name: `${name}-kraft`, namespace: args.namespace, labels },
                stringData: { "cluster-id": this.clusterId, ...controllerIds },
            },
            { parent: this },
        );

        let saslSecret: k8s.core.v1.Secret | undefined;
        if (args.security === "sasl") {
            const password = (role: string) =>
                new random.RandomPassword(
                    `${name}-${role}`,
                    { length: 32, special: false },
                    { parent: this },
                ).result;
            const client = password("client-password");
            this.clientPassword = pulumi.secret(client);
            saslSecret = new k8s.core.v1.Secret(
                `${name}-sasl`,
                {
                    metadata: { name: `${name}-sasl`, namespace: args.namespace, labels },
                    stringData: {
                        "client-passwords": client,
                        "system-user-password": client,
                        "inter-broker-password": password("inter-broker-password"),
                        "controller-password": password("controller-password"),
                    },
                },
                { parent: this },
            );
            this.saslSecretName = saslSecret.metadata.name;
        }

        const source = kafkaChartSource(args);
        const chart = new k8s.helm.v4.Chart(
            name,
            {
                ...source,
                namespace: args.namespace,
                values: buildKafkaValues(args, {
                    fullname: name,
                    kraftSecretName: kraftSecret.metadata.name,
                    saslSecretName: saslSecret?.metadata.name,
                }),
            },
            { parent: this, dependsOn: saslSecret ? [kraftSecret, saslSecret] : [kraftSecret] },
        );

        this.bootstrapServers = pulumi
            .all([args.namespace, chart.urn])
            .apply(([ns]) => `${name}.${ns}.svc.cluster.local:9092`);
        if (args.externalNodePort !== undefined) {
            const host = args.externalHost ?? "127.0.0.1";
            const first = args.externalNodePort;
            this.hostBootstrapServers = chart.urn.apply(() =>
                Array.from({ length: replicas }, (_, i) => `${host}:${first + i}`).join(","),
            );
        }
        this.registerOutputs({
            bootstrapServers: this.bootstrapServers,
            hostBootstrapServers: this.hostBootstrapServers,
            saslSecretName: this.saslSecretName,
        });
    }
}
