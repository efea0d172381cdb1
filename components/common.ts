/**
 * Small shared pieces for the workload components: labels, resource requirements, image
 * references and probes, so every workload is described the same way.
 */
import * as k8s from "@pulumi/kubernetes";

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

/** Kubernetes `resources` block from a {@link ResourceSpec}. */
export function toResources(spec: ResourceSpec): k8s.types.input.core.v1.ResourceRequirements {
    return {
        requests: { cpu: spec.cpuRequest, memory: spec.memoryRequest },
        limits: { cpu: spec.cpuLimit, memory: spec.memoryLimit },
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

/** Pod security context for images that run as a fixed non-root user. */
export function nonRootPod(uid: number, fsGroup = uid): k8s.types.input.core.v1.PodSecurityContext {
    return { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup };
}

/** Container security context: no privilege escalation, all capabilities dropped. */
export const restrictedContainer: k8s.types.input.core.v1.SecurityContext = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
};
