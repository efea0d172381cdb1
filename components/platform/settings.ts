/**
 * Config schema pieces of the platform's security settings (`network`, image registries), kept
 * beside the components that use them; config.ts composes them into the stack schema.
 */
import { z } from "zod";

const cidr = z
    .string()
    .regex(
        /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$|^[0-9a-fA-F:]+\/\d{1,3}$/,
        "must be a CIDR such as 10.20.0.0/16",
    );

/** `network`: NetworkPolicies and where the operator (the machine running pulumi) comes from. */
export const networkSchema = z
    .strictObject({
        /** Default-deny NetworkPolicies with one allow rule per real connection. */
        policies: z.boolean().default(true),
        /**
         * CIDRs the machine running `pulumi` connects from (through NodePorts or a VPN). Empty =
         * only an in-cluster runner (`operatorNamespace`) reaches the admin ports.
         */
        operatorCidrs: z.array(cidr).default([]),
        /**
         * Namespace of the in-cluster runner of `pulumi up`; its pods labelled
         * `ingest-platform/operator: "true"` reach Kafka, Connect, ksqlDB and WebHDFS.
         */
        operatorNamespace: z
            .string()
            .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a DNS-1123 label")
            .optional(),
    })
    .prefault({});

/** What {@link builtImageIssues} reads from the parsed config. */
export interface BuiltImageSettings {
    readonly kubernetes: { readonly enabled: boolean; readonly context?: string };
    readonly connect: { readonly image?: string; readonly buildRegistry?: string };
    readonly flume: {
        readonly enabled: boolean;
        readonly image?: string;
        readonly buildRegistry?: string;
    };
    readonly sqoop: {
        readonly enabled: boolean;
        readonly image?: string;
        readonly buildRegistry?: string;
    };
    readonly hdfs: {
        readonly enabled: boolean;
        readonly image?: object;
        readonly buildRegistry?: string;
    };
}

/** True for a kind cluster's context (`kind-<name>`), where `kind load docker-image` works. */
export function isKindContext(context: string | undefined): boolean {
    return context?.startsWith("kind-") ?? false;
}

/**
 * One issue per image the stack would build but never push while deploying to a cluster that is
 * not kind: such an image exists only on the machine running pulumi, and no node can pull it.
 */
export function builtImageIssues(c: BuiltImageSettings): { path: string[]; message: string }[] {
    // Without a context the missing context is the problem reported.
    const context = c.kubernetes.context;
    if (!c.kubernetes.enabled || context === undefined || isKindContext(context)) return [];
    const built = [
        ["connect", true, c.connect],
        ["flume", c.flume.enabled, c.flume],
        ["sqoop", c.sqoop.enabled, c.sqoop],
        ["hdfs", c.hdfs.enabled, c.hdfs],
    ] as const;
    return built
        .filter(([, on, s]) => on && s.image === undefined && s.buildRegistry === undefined)
        .map(([key]) => ({
            path: [key, "buildRegistry"],
            message:
                `is required on the cluster "${context}" (not kind): the ${key} image ` +
                `would be built but never pushed, and no node could pull it. Set the registry to ` +
                `push to (or ${key}.image to an image you publish)`,
        }));
}
