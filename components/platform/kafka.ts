import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ImageRef, ResourceSpec, appLabels, toResources } from "./common";
import { KAFKA_CA_KEY } from "./kafkaClient";
import { KafkaCertificates } from "./kafkaTls";
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
     * `plaintext` (dev) or `sasl`: SASL_SSL on every listener (TLS from a CA the program
     * generates), SCRAM-SHA-512 for clients and brokers (PLAIN between controllers), the KRaft
     * StandardAuthorizer with no access without an ACL, and one generated user per client
     * ({@link KAFKA_USERS}). Defaults to `plaintext`.
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

/**
 * One SASL user per client. `operator` (the topic and ACL resources, run by `pulumi`) is a super
 * user: it creates the others' ACLs. Every other user gets only its ACLs (see kafkaAccess.ts).
 */
export const KAFKA_USERS = {
    operator: "ingest",
    connect: "connect",
    ksqldb: "ksqldb",
    console: "console",
    flume: "flume",
    producer: "producer",
} as const;

/** A client of the platform's Kafka, by role. */
export type KafkaClientRole = keyof typeof KAFKA_USERS;

/** The SASL user the topic resources and scripts authenticate as (the super user). */
export const KAFKA_CLIENT_USER = KAFKA_USERS.operator;

/** Broker-to-broker and controller users (the chart's), super users besides the operator. */
export const KAFKA_INTER_BROKER_USER = "inter_broker_user";
export const KAFKA_CONTROLLER_USER = "controller_user";

/** The KRaft authorizer the brokers run with `security: sasl`. */
export const KAFKA_AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";

/** The DNS names a Kafka named `fullname` in `namespace` is reached by (certificate SANs). */
export function kafkaTlsDnsNames(fullname: string, namespace: string): string[] {
    const headless = `${fullname}-controller-headless.${namespace}`;
    return [
        `${fullname}.${namespace}.svc.cluster.local`,
        `${fullname}.${namespace}.svc`,
        `${fullname}.${namespace}`,
        fullname,
        // Each node is advertised as <pod>.<headless service>...: one wildcard covers them all.
        `*.${headless}.svc.cluster.local`,
        `*.${headless}.svc`,
    ];
}

/** Inputs to {@link buildKafkaValues} that are resolved by the component. */
export interface KafkaValueInputs {
    readonly fullname: string;
    readonly kraftSecretName: pulumi.Input<string>;
    readonly saslSecretName?: pulumi.Input<string>;
    /** Secret with `ca.crt`, `tls.crt`, `tls.key` (PEM), with `security: sasl`. */
    readonly tlsSecretName?: pulumi.Input<string>;
    /** Secret with the keystore and truststore passwords the chart's init script uses. */
    readonly tlsPasswordsSecretName?: pulumi.Input<string>;
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
    const protocol = (args.security ?? "plaintext") === "sasl" ? "SASL_SSL" : "PLAINTEXT";
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
                      // The operator first: the chart's `system-user-password` is the first's.
                      // KRaft controllers cannot authenticate each other with SCRAM (the
                      // credentials live in the metadata they replicate), so PLAIN stays enabled
                      // for the controller listener only; clients and brokers use SCRAM-SHA-512,
                      // bootstrapped into the metadata at format time by the chart.
                      enabledMechanisms: `PLAIN,${KAFKA_SASL_MECHANISM}`,
                      interBrokerMechanism: KAFKA_SASL_MECHANISM,
                      controllerMechanism: "PLAIN",
                      client: { users: Object.values(KAFKA_USERS) },
                      interbroker: { user: KAFKA_INTER_BROKER_USER },
                      controller: { user: KAFKA_CONTROLLER_USER },
                      existingSecret: inputs.saslSecretName,
                  },
        ...(protocol === "PLAINTEXT"
            ? {}
            : {
                  // Every listener leaves the pod (clients, other brokers, the controllers):
                  // TLS on all of them, from the program's CA; SASL authenticates, so no
                  // client certificates; brokers verify each other's host names.
                  tls: {
                      type: "PEM",
                      autoGenerated: { enabled: false },
                      existingSecret: inputs.tlsSecretName,
                      passwordsSecret: inputs.tlsPasswordsSecretName,
                      pemChainIncluded: false,
                      sslClientAuth: "none",
                      endpointIdentificationAlgorithm: "https",
                  },
              }),
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
                : {
                      ...Object.fromEntries(
                          ["client", "internal", "external"].map((l) => [
                              `listener.name.${l}.sasl.enabled.mechanisms`,
                              KAFKA_SASL_MECHANISM,
                          ]),
                      ),
                      // Nothing without an ACL: each client user gets only its own (KafkaAcl).
                      "authorizer.class.name": KAFKA_AUTHORIZER,
                      "allow.everyone.if.no.acl.found": "false",
                      "super.users": [
                          KAFKA_INTER_BROKER_USER,
                          KAFKA_CONTROLLER_USER,
                          KAFKA_USERS.operator,
                      ]
                          .map((u) => `User:${u}`)
                          .join(";"),
                  }),
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
    /** The chart's SASL Secret (`client-passwords`, comma-separated in {@link KAFKA_USERS} order). */
    public readonly saslSecretName?: pulumi.Output<string>;
    /** KRaft cluster id. */
    public readonly clusterId: string;
    /** The operator's SASL password (a secret Output), for the providers that run `pulumi`'s side. */
    public readonly clientPassword?: pulumi.Output<string>;
    /**
     * Per client role: its user, password (secret) and a Secret `kafka-user-<role>` holding the
     * password under `password`, when SASL is on.
     */
    public readonly users?: Record<
        KafkaClientRole,
        { username: string; password: pulumi.Output<string>; secretName: pulumi.Output<string> }
    >;
    /** The CA certificate (PEM) clients trust, when TLS is on. */
    public readonly caCert?: pulumi.Output<string>;
    /** ConfigMap holding the CA certificate under {@link KAFKA_CA_KEY}, when TLS is on. */
    public readonly caConfigMapName?: pulumi.Output<string>;

    constructor(name: string, args: KafkaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ingest:components:Kafka", name, {}, opts);
        const replicas = args.replicas ?? 1;
        const seed = args.seed ?? name;
        this.clusterId = args.clusterId ?? derivedKraftId(`${seed}/cluster`);
        this.securityProtocol = args.security === "sasl" ? "SASL_SSL" : "PLAINTEXT";
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
        let tlsSecrets: k8s.core.v1.Secret[] = [];
        if (args.security === "sasl") {
            const password = (role: string) =>
                new random.RandomPassword(
                    `${name}-${role}`,
                    { length: 32, special: false },
                    { parent: this },
                ).result;
            const roles = Object.keys(KAFKA_USERS) as KafkaClientRole[];
            // The operator keeps the resource name it always had, so its password survives.
            const passwords = Object.fromEntries(
                roles.map((r) => [
                    r,
                    password(r === "operator" ? "client-password" : `${r}-password`),
                ]),
            ) as Record<KafkaClientRole, pulumi.Output<string>>;
            this.clientPassword = pulumi.secret(passwords.operator);
            this.users = Object.fromEntries(
                roles.map((r) => {
                    const secret = new k8s.core.v1.Secret(
                        `${name}-user-${r}`,
                        {
                            metadata: {
                                name: `${name}-user-${r}`,
                                namespace: args.namespace,
                                labels,
                            },
                            stringData: { username: KAFKA_USERS[r], password: passwords[r] },
                        },
                        { parent: this },
                    );
                    return [
                        r,
                        {
                            username: KAFKA_USERS[r],
                            password: pulumi.secret(passwords[r]),
                            secretName: secret.metadata.name,
                        },
                    ];
                }),
            ) as NonNullable<Kafka["users"]>;
            saslSecret = new k8s.core.v1.Secret(
                `${name}-sasl`,
                {
                    metadata: { name: `${name}-sasl`, namespace: args.namespace, labels },
                    stringData: {
                        // In KAFKA_USERS order, the order of the chart's sasl.client.users.
                        "client-passwords": pulumi
                            .all(roles.map((r) => passwords[r]))
                            .apply((ps) => ps.join(",")),
                        "system-user-password": passwords.operator,
                        "inter-broker-password": password("inter-broker-password"),
                        "controller-password": password("controller-password"),
                    },
                },
                { parent: this },
            );
            this.saslSecretName = saslSecret.metadata.name;

            // Generated once and kept in state (see kafkaTls.ts): no diff on later runs.
            const external =
                args.externalNodePort === undefined
                    ? undefined
                    : (args.externalHost ?? "127.0.0.1");
            const ip = external !== undefined && /^\d+(\.\d+){3}$/.test(external);
            const certs = new KafkaCertificates(
                `${name}-certificates`,
                {
                    commonName: pulumi.interpolate`${name}.${args.namespace} kafka CA`,
                    dnsNames: pulumi
                        .output(args.namespace)
                        .apply((ns) => [
                            ...kafkaTlsDnsNames(name, ns),
                            ...(external !== undefined && !ip ? [external] : []),
                        ]),
                    ipAddresses: ip ? [external] : [],
                },
                { parent: this },
            );
            this.caCert = certs.caCert;
            const tlsSecret = new k8s.core.v1.Secret(
                `${name}-tls`,
                {
                    metadata: { name: `${name}-tls`, namespace: args.namespace, labels },
                    stringData: {
                        "ca.crt": certs.caCert,
                        "tls.crt": certs.serverCert,
                        "tls.key": certs.serverKey,
                    },
                },
                { parent: this },
            );
            // The init script builds JKS stores from the PEM files with these passwords.
            const tlsPasswords = new k8s.core.v1.Secret(
                `${name}-tls-passwords`,
                {
                    metadata: { name: `${name}-tls-passwords`, namespace: args.namespace, labels },
                    stringData: {
                        "keystore-password": password("keystore-password"),
                        "truststore-password": password("truststore-password"),
                    },
                },
                { parent: this },
            );
            tlsSecrets = [tlsSecret, tlsPasswords];
            // The CA certificate is public: a ConfigMap every client may mount.
            const ca = new k8s.core.v1.ConfigMap(
                `${name}-ca`,
                {
                    metadata: { name: `${name}-ca`, namespace: args.namespace, labels },
                    data: { [KAFKA_CA_KEY]: certs.caCert },
                },
                { parent: this },
            );
            this.caConfigMapName = ca.metadata.name;
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
                    tlsSecretName: tlsSecrets[0]?.metadata.name,
                    tlsPasswordsSecretName: tlsSecrets[1]?.metadata.name,
                }),
            },
            {
                parent: this,
                dependsOn: [kraftSecret, ...(saslSecret ? [saslSecret] : []), ...tlsSecrets],
            },
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
            caConfigMapName: this.caConfigMapName,
        });
    }
}
