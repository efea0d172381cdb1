/**
 * Small shared pieces for the workload components: labels, resource requirements, image
 * references and probes, so every workload is described the same way.
 */
import * as docker from "@pulumi/docker";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** CPU/memory requests and limits of one container, as Kubernetes quantities. */
export interface ResourceSpec {
    /** Requested CPU, e.g. `"250m"`. */
    readonly cpuRequest: string;
    /** Requested memory, e.g. `"512Mi"`. */
    readonly memoryRequest: string;
    /** CPU limit, e.g. `"1"`. */
    readonly cpuLimit: string;
    /** Memory limit, e.g. `"1Gi"`. */
    readonly memoryLimit: string;
}

/** An image reference split into its parts, so registries can be mirrored per stack. */
export interface ImageRef {
    /** Registry host, e.g. `"docker.io"`. */
    readonly registry: string;
    /** Repository within the registry, e.g. `"bitnamilegacy/kafka"`. */
    readonly repository: string;
    /** Exact tag; never `latest`. */
    readonly tag: string;
}

/** `registry/repository:tag` for an {@link ImageRef}. */
export function imageName(image: ImageRef): string {
    return `${image.registry}/${image.repository}:${image.tag}`;
}

/** The recommended Kubernetes labels for one workload of the platform. */
export function appLabels(instance: string, component: string): Record<string, string> {
    return {
        "app.kubernetes.io/name": component,
        "app.kubernetes.io/instance": instance,
        "app.kubernetes.io/part-of": "ingest-platform",
        "app.kubernetes.io/managed-by": "pulumi",
    };
}

/** Ephemeral storage (container writable layer, logs, emptyDirs) of one container. */
export interface EphemeralStorageSpec {
    /** Requested ephemeral storage. */
    readonly request: string;
    /** Limit; the kubelet evicts the pod above it. */
    readonly limit: string;
}

/** Default ephemeral storage: logs and scratch files; workloads that spill more pass their own. */
export const DEFAULT_EPHEMERAL_STORAGE: EphemeralStorageSpec = { request: "256Mi", limit: "2Gi" };

/**
 * Kubernetes `resources` block from a {@link ResourceSpec}, with ephemeral-storage requests and
 * limits so a runaway log or scratch directory evicts its own pod instead of filling the node.
 */
export function toResources(
    spec: ResourceSpec,
    ephemeral: EphemeralStorageSpec = DEFAULT_EPHEMERAL_STORAGE,
): k8s.types.input.core.v1.ResourceRequirements {
    return {
        requests: {
            cpu: spec.cpuRequest,
            memory: spec.memoryRequest,
            "ephemeral-storage": ephemeral.request,
        },
        limits: {
            cpu: spec.cpuLimit,
            memory: spec.memoryLimit,
            "ephemeral-storage": ephemeral.limit,
        },
    };
}

/** An HTTP GET probe on a named or numbered port. */
export function httpProbe(
    path: string,
    port: number | string,
    initialDelaySeconds: number,
    periodSeconds = 10,
): k8s.types.input.core.v1.Probe {
    return {
        httpGet: { path, port },
        initialDelaySeconds,
        periodSeconds,
        timeoutSeconds: 5,
        failureThreshold: 6,
    };
}

/** A TCP probe on a port, for servers without an HTTP health endpoint. */
export function tcpProbe(
    port: number | string,
    initialDelaySeconds: number,
    periodSeconds = 10,
): k8s.types.input.core.v1.Probe {
    return {
        tcpSocket: { port },
        initialDelaySeconds,
        periodSeconds,
        timeoutSeconds: 5,
        failureThreshold: 6,
    };
}

/**
 * Pod label the Kafka chart's NetworkPolicy admits on the client listener
 * (`<fullname>-client: "true"` with `networkPolicy.allowExternal: false`).
 */
export const KAFKA_CLIENT_POD_LABEL: Record<string, string> = { "kafka-client": "true" };

/** Requests/limits of short init containers (copying a config directory). */
export const INIT_RESOURCES: ResourceSpec = {
    cpuRequest: "10m",
    memoryRequest: "32Mi",
    cpuLimit: "200m",
    memoryLimit: "128Mi",
};

/**
 * A client JAAS line for SASL/PLAIN or SCRAM, the password taken from `$(passwordEnv)`, which
 * Kubernetes expands from a Secret-backed variable: the password never appears in the pod spec.
 */
export function saslJaasConfig(
    mechanism: string | undefined,
    username: string | undefined,
    passwordEnv: string,
): string {
    const module = (mechanism ?? "PLAIN").startsWith("SCRAM")
        ? "org.apache.kafka.common.security.scram.ScramLoginModule"
        : "org.apache.kafka.common.security.plain.PlainLoginModule";
    return `${module} required username="${username}" password="$(${passwordEnv})";`;
}

/** The seccomp profile Pod Security "restricted" requires (the container runtime's default). */
export const RUNTIME_DEFAULT_SECCOMP = { type: "RuntimeDefault" } as const;

/**
 * Pod security context for images that run as a fixed non-root user, passing the Pod Security
 * Standards "restricted" profile the namespace enforces (non-root, RuntimeDefault seccomp).
 */
export function nonRootPod(uid: number, fsGroup = uid): k8s.types.input.core.v1.PodSecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: uid,
        runAsGroup: uid,
        fsGroup,
        seccompProfile: RUNTIME_DEFAULT_SECCOMP,
    };
}

/** Container security context: no privilege escalation, all capabilities dropped. */
export const restrictedContainer: k8s.types.input.core.v1.SecurityContext = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: RUNTIME_DEFAULT_SECCOMP,
};

/** {@link restrictedContainer} with a read-only root filesystem: writes go to emptyDirs only. */
export const readOnlyContainer: k8s.types.input.core.v1.SecurityContext = {
    ...restrictedContainer,
    readOnlyRootFilesystem: true,
};

/** A size-limited emptyDir for a read-only container's scratch or generated-config directory. */
export function scratchVolume(name: string, sizeLimit = "1Gi"): k8s.types.input.core.v1.Volume {
    return { name, emptyDir: { sizeLimit } };
}

/** Where {@link mountedSecret} adds its volume and mount: a pod's lists, filled in place. */
export interface PodFiles {
    readonly volumes: k8s.types.input.core.v1.Volume[];
    readonly mounts: k8s.types.input.core.v1.VolumeMount[];
}

/**
 * A Secret named `name` holding `files`, mounted read-only (mode 0440) at `mountPath` as the
 * volume `volume`: how a workload gets passwords and JAAS files without them in its env or spec.
 */
export function mountedSecret(
    parent: pulumi.Resource,
    name: string,
    meta: { readonly namespace: pulumi.Input<string>; readonly labels: Record<string, string> },
    files: Record<string, pulumi.Input<string>>,
    pod: PodFiles,
    volume: string,
    mountPath: string,
): k8s.core.v1.Secret {
    const secret = new k8s.core.v1.Secret(
        name,
        { metadata: { name, namespace: meta.namespace, labels: meta.labels }, stringData: files },
        { parent },
    );
    pod.volumes.push({
        name: volume,
        secret: { secretName: secret.metadata.name, defaultMode: 0o440 },
    });
    pod.mounts.push({ name: volume, mountPath, readOnly: true });
    return secret;
}

/**
 * The workload's own ServiceAccount, with no API token mounted (no workload of the platform talks
 * to the Kubernetes API), so pods never run as the namespace's `default` account.
 */
export function workloadServiceAccount(
    name: string,
    namespace: pulumi.Input<string>,
    labels: Record<string, string>,
    parent: pulumi.Resource,
): pulumi.Output<string> {
    const account = new k8s.core.v1.ServiceAccount(
        name,
        {
            metadata: { name, namespace, labels },
            automountServiceAccountToken: false,
        },
        { parent },
    );
    return account.metadata.name;
}

/**
 * Scheduling rules that keep replicas apart: at most one per node (required, so a node drain or
 * loss takes one replica at most) and spread over zones where the nodes carry zone labels.
 */
export function spreadReplicas(selector: Record<string, string>): {
    affinity: k8s.types.input.core.v1.Affinity;
    topologySpreadConstraints: k8s.types.input.core.v1.TopologySpreadConstraint[];
} {
    return {
        affinity: {
            podAntiAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [
                    {
                        topologyKey: "kubernetes.io/hostname",
                        labelSelector: { matchLabels: selector },
                    },
                ],
            },
        },
        // ScheduleAnyway: nodes without the zone label (kind, single-zone clusters) still schedule.
        topologySpreadConstraints: [
            {
                maxSkew: 1,
                topologyKey: "topology.kubernetes.io/zone",
                whenUnsatisfiable: "ScheduleAnyway",
                labelSelector: { matchLabels: selector },
            },
        ],
    };
}

/** A PodDisruptionBudget letting voluntary disruptions (drains) take one pod of `selector` at a time. */
export function disruptionBudget(
    name: string,
    namespace: pulumi.Input<string>,
    labels: Record<string, string>,
    selector: Record<string, string>,
    parent: pulumi.Resource,
): k8s.policy.v1.PodDisruptionBudget {
    return new k8s.policy.v1.PodDisruptionBudget(
        name,
        {
            metadata: { name, namespace, labels },
            spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
        },
        { parent },
    );
}

/** How a workload gets its image: an existing reference, or a build of the Dockerfile beside it. */
export interface ImageSource {
    /** Existing image reference; when set nothing is built. */
    readonly image?: pulumi.Input<string>;
    /**
     * Registry to push the built image to (e.g. `ghcr.io/acme`). Unset = build only, no push: on
     * kind, load it with `kind load docker-image <name>`.
     */
    readonly buildRegistry?: string;
}

/**
 * Resolves an {@link ImageSource}: returns the reference as is, or builds `context` (a directory
 * holding a Dockerfile) with @pulumi/docker as `<registry>/<repository>:<tag>` under `parent`,
 * pushing it and returning its digest reference when a registry is set.
 */
export function resolveImage(
    name: string,
    source: ImageSource,
    build: { readonly context: string; readonly repository: string; readonly tag: string },
    parent: pulumi.Resource,
): pulumi.Output<string> {
    if (source.image !== undefined) return pulumi.output(source.image);
    const imageName = `${source.buildRegistry ?? "ingest.local"}/${build.repository}:${build.tag}`;
    const built = new docker.Image(
        `${name}-image`,
        {
            imageName,
            build: { context: build.context, platform: "linux/amd64" },
            skipPush: source.buildRegistry === undefined,
        },
        { parent },
    );
    // A pushed image is referenced by digest (`<repository>@sha256:...`): a rebuild under the
    // same tag changes the pod spec and rolls the pods, and nodes never run a stale tag. An image
    // that is only built (kind: `kind load docker-image`) keeps its tag.
    return source.buildRegistry === undefined ? built.imageName : built.repoDigest;
}

/** Arguments for {@link httpWorkload}. */
export interface HttpWorkloadArgs {
    /** Object name of the Deployment and its Service; also the in-cluster host name. */
    readonly name: string;
    readonly namespace: pulumi.Input<string>;
    readonly labels: Record<string, string>;
    /** Pod replicas. Defaults to 1. */
    readonly replicas?: number;
    readonly podSecurityContext: k8s.types.input.core.v1.PodSecurityContext;
    /** The serving container; its port is added as `portName`. */
    readonly container: k8s.types.input.core.v1.Container;
    readonly volumes?: k8s.types.input.core.v1.Volume[];
    /** Name of the container port (probes refer to it). */
    readonly portName: string;
    readonly port: number;
    /** NodePort to expose the port on (kind maps it to localhost); unset = ClusterIP. */
    readonly nodePort?: number;
    /** Extra pod labels (not part of the selector), e.g. the Kafka chart's client label. */
    readonly podLabels?: Record<string, string>;
    /** Containers run before the server (e.g. seeding an emptyDir). Defaults to none. */
    readonly initContainers?: k8s.types.input.core.v1.Container[];
    /**
     * Keep replicas on separate nodes (required anti-affinity, zone spread) and guard them with a
     * PodDisruptionBudget. Defaults to false.
     */
    readonly highlyAvailable?: boolean;
}

/**
 * A Deployment serving HTTP on one port, with its own token-less ServiceAccount, and a Service in
 * front of it (NodePort when asked). Returns the in-cluster URL, resolved once the Service exists.
 */
export function httpWorkload(
    args: HttpWorkloadArgs,
    parent: pulumi.Resource,
): pulumi.Output<string> {
    const serviceAccountName = workloadServiceAccount(
        args.name,
        args.namespace,
        args.labels,
        parent,
    );
    const spread = args.highlyAvailable ? spreadReplicas(args.labels) : undefined;
    if (args.highlyAvailable) {
        disruptionBudget(args.name, args.namespace, args.labels, args.labels, parent);
    }
    const deployment = new k8s.apps.v1.Deployment(
        args.name,
        {
            metadata: { name: args.name, namespace: args.namespace, labels: args.labels },
            spec: {
                replicas: args.replicas ?? 1,
                selector: { matchLabels: args.labels },
                // Required one-per-node anti-affinity leaves a surge pod nowhere to go once every
                // node holds a replica (a one-node kind cluster: the rollout hung, seen on real
                // pods): replace one pod at a time instead.
                strategy: spread
                    ? { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } }
                    : undefined,
                template: {
                    metadata: { labels: { ...args.podLabels, ...args.labels } },
                    spec: {
                        serviceAccountName,
                        automountServiceAccountToken: false,
                        securityContext: args.podSecurityContext,
                        affinity: spread?.affinity,
                        topologySpreadConstraints: spread?.topologySpreadConstraints,
                        initContainers: args.initContainers,
                        containers: [
                            {
                                ...args.container,
                                ports: [{ name: args.portName, containerPort: args.port }],
                            },
                        ],
                        volumes: args.volumes,
                    },
                },
            },
        },
        { parent },
    );
    const service = new k8s.core.v1.Service(
        args.name,
        {
            metadata: { name: args.name, namespace: args.namespace, labels: args.labels },
            spec: {
                type: args.nodePort === undefined ? "ClusterIP" : "NodePort",
                selector: args.labels,
                ports: [
                    {
                        name: args.portName,
                        port: args.port,
                        targetPort: args.portName,
                        nodePort: args.nodePort,
                    },
                ],
            },
        },
        { parent, dependsOn: [deployment] },
    );
    return pulumi.interpolate`http://${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local:${args.port}`;
}
