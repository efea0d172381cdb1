import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** Annotation telling the Kubernetes provider to take over conflicting fields on apply. */
export const PATCH_FORCE_ANNOTATION = "pulumi.com/patchForce";

/** The cluster a stack deploys into. */
export interface ClusterTarget {
    /** kubeconfig context; never the ambient current context (config requires it). */
    readonly context?: string;
    /** Path to (or contents of) a kubeconfig; defaults to the usual KUBECONFIG lookup. */
    readonly kubeconfig?: string;
    /** Keeps a re-created cluster (same identifier) from replacing every object. */
    readonly clusterIdentifier?: string;
}

/**
 * The explicit provider every platform and pipeline object uses, with the stack's ownership
 * policy: **the declared state wins**. Server-side apply records who owns each field; after an
 * out-of-band edit (`kubectl scale`, `kubectl edit`) the other manager owns it, and an apply that
 * does not force fails with a field conflict on every later `preview` and `up`. Forcing makes
 * `up` restore what the program declares (drift shows in `refresh`/`preview` first).
 *
 * The policy is set twice on purpose: `enablePatchForce` for providers that know the argument
 * (the @pulumi/kubernetes release the SDK pins), and the per-object `pulumi.com/patchForce`
 * annotation (added by {@link forcePatch}, also to the objects the Kafka chart renders) for
 * providers that predate it, such as the commit the engine tier builds.
 */
export function kubernetesProvider(name: string, target: ClusterTarget): k8s.Provider {
    pulumi.runtime.registerResourceTransform(forcePatch);
    return new k8s.Provider(name, {
        context: target.context,
        kubeconfig: target.kubeconfig,
        clusterIdentifier: target.clusterIdentifier,
        enableServerSideApply: true,
        enablePatchForce: true,
        // Without these, a changed ConfigMap or Secret is replaced; a fixed name (kafka-kraft,
        // the chart's configuration) can only be replaced delete-first, leaving pods that mount
        // it without it until the new one exists. Updated in place, there is no gap.
        enableConfigMapMutable: true,
        enableSecretMutable: true,
    });
}

/** True for an Output or a Promise: a value whose fields cannot be spread directly. */
function isEventual(v: unknown): boolean {
    return pulumi.Output.isInstance(v) || v instanceof Promise;
}

type Metadata = { annotations?: Record<string, unknown> } & Record<string, unknown>;

function annotated(metadata: Metadata | undefined): Metadata {
    return {
        ...metadata,
        annotations: { ...metadata?.annotations, [PATCH_FORCE_ANNOTATION]: "true" },
    };
}

/**
 * Stack transform adding {@link PATCH_FORCE_ANNOTATION} to every Kubernetes object (custom
 * resources of a `kubernetes:` type); everything else passes unchanged.
 */
export function forcePatch(
    args: pulumi.ResourceTransformArgs,
): pulumi.ResourceTransformResult | undefined {
    if (!args.custom || !args.type.startsWith("kubernetes:")) return undefined;
    const metadata = args.props.metadata as unknown;
    const next = isEventual(metadata)
        ? pulumi.output(metadata as pulumi.Input<Metadata>).apply(annotated)
        : annotated(metadata as Metadata | undefined);
    return { props: { ...args.props, metadata: next }, opts: args.opts };
}
