/**
 * Plain inputs of the `KafkaAcl` provider and its pure logic: `check` normalization (sorted,
 * de-duplicated bindings), the `diff`, and the mapping between bindings and Kafka's ACL entries.
 */
import type * as pulumi from "@pulumi/pulumi";

/** Bumped whenever the provider's behaviour changes, so existing resources see a diff. */
export const KAFKA_ACL_PROVIDER_VERSION = "1";

/** Kinds of resource an ACL can name. */
export const ACL_RESOURCE_TYPES = ["topic", "group", "cluster", "transactionalId"] as const;
/** How an ACL's resource name matches. */
export const ACL_PATTERNS = ["literal", "prefixed"] as const;
/** Operations an ACL can allow (Kafka's names). */
export const ACL_OPERATIONS = [
    "ALL",
    "READ",
    "WRITE",
    "CREATE",
    "DELETE",
    "ALTER",
    "DESCRIBE",
    "CLUSTER_ACTION",
    "DESCRIBE_CONFIGS",
    "ALTER_CONFIGS",
    "IDEMPOTENT_WRITE",
] as const;

/** One ALLOW rule for the resource's principal, from any host. */
export interface AclBinding {
    resourceType: (typeof ACL_RESOURCE_TYPES)[number];
    /**
     * Resource name, or prefix with `pattern: "prefixed"`; `*` (literal) for every resource;
     * `kafka-cluster` for the cluster.
     */
    name: string;
    pattern: (typeof ACL_PATTERNS)[number];
    operation: (typeof ACL_OPERATIONS)[number];
}

/** Provider inputs after `check`; also the outputs (with the live bindings after `read`). */
export interface AclInputs {
    bootstrapServers: string;
    /** `User:<name>`. */
    principal: string;
    bindings: AclBinding[];
    ssl: boolean;
    /** PEM CA the brokers' certificates chain to; unset = the system's CAs. */
    ca?: string;
    sasl?: { mechanism: string; username: string; password: string };
    timeoutSeconds: number;
    providerVersion: string;
    /** The config key behind `bootstrapServers` and what to check when unreachable (not diffed). */
    endpointHint?: string;
}

/** The engine's placeholder for a value not known during preview. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A binding as one comparable string. */
export const bindingKey = (b: AclBinding) =>
    `${b.resourceType}:${b.pattern}:${b.name}:${b.operation}`;

/** Bindings sorted and de-duplicated, so equal sets compare equal. */
export function normalizeBindings(bindings: readonly AclBinding[]): AclBinding[] {
    const byKey = new Map(bindings.map((b) => [bindingKey(b), b]));
    return [...byKey.keys()].sort().map((k) => {
        const b = byKey.get(k)!;
        return {
            resourceType: b.resourceType,
            name: b.name,
            pattern: b.pattern,
            operation: b.operation,
        };
    });
}

/** `check`: fills defaults, normalizes the bindings and lists every invalid input. */
export function checkAcl(news: Record<string, unknown>): pulumi.dynamic.CheckResult {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    const known = (v: unknown) => v !== UNKNOWN;
    const inputs: Record<string, unknown> = { ...news };
    if (known(news.principal) && !/^User:[^\s,;]+$/.test(String(news.principal))) {
        failures.push({ property: "principal", reason: "principal must be User:<name>" });
    }
    if (
        known(news.bootstrapServers) &&
        !/^\S+:\d+(,\S+:\d+)*$/.test(String(news.bootstrapServers))
    ) {
        failures.push({
            property: "bootstrapServers",
            reason: "bootstrapServers must be host:port[,host:port...]",
        });
    }
    const raw = news.bindings ?? [];
    if (known(raw)) {
        if (!Array.isArray(raw)) {
            failures.push({ property: "bindings", reason: "bindings must be a list" });
        } else {
            const ok: AclBinding[] = [];
            raw.forEach((b: Partial<AclBinding>, i) => {
                const at = `bindings[${i}]`;
                const problems: string[] = [];
                if (!ACL_RESOURCE_TYPES.includes(b?.resourceType as never))
                    problems.push(`resourceType must be one of ${ACL_RESOURCE_TYPES.join(", ")}`);
                if (!ACL_OPERATIONS.includes(b?.operation as never))
                    problems.push(`operation must be one of ${ACL_OPERATIONS.join(", ")}`);
                const pattern = b?.pattern ?? "literal";
                if (!ACL_PATTERNS.includes(pattern))
                    problems.push(`pattern must be one of ${ACL_PATTERNS.join(", ")}`);
                const name = b?.resourceType === "cluster" ? "kafka-cluster" : b?.name;
                // Kafka refuses an empty resource name; `*` (literal) matches every resource.
                if (typeof name !== "string" || name === "")
                    problems.push("name must be a non-empty string (`*` for every resource)");
                for (const reason of problems) failures.push({ property: at, reason });
                if (problems.length === 0) ok.push({ ...(b as AclBinding), name: name!, pattern });
            });
            inputs.bindings = normalizeBindings(ok);
        }
    }
    const timeout = news.timeoutSeconds ?? 60;
    if (known(timeout) && !(typeof timeout === "number" && timeout > 0)) {
        failures.push({
            property: "timeoutSeconds",
            reason: "timeoutSeconds must be a positive number",
        });
    }
    inputs.timeoutSeconds = timeout;
    inputs.ssl = news.ssl ?? false;
    inputs.providerVersion = news.providerVersion ?? KAFKA_ACL_PROVIDER_VERSION;
    return { inputs, failures };
}

/** The changed properties; a new principal replaces the resource, anything else updates it. */
export function diffAcl(
    olds: AclInputs,
    news: AclInputs,
): { changes: string[]; replaces: string[] } {
    const changes: string[] = [];
    const differs = (a: unknown, b: unknown) =>
        b === UNKNOWN || JSON.stringify(a) !== JSON.stringify(b);
    const replaces = differs(olds.principal, news.principal) ? ["principal"] : [];
    const newBindings = news.bindings as unknown;
    if (
        newBindings === UNKNOWN ||
        differs(
            normalizeBindings(olds.bindings ?? []).map(bindingKey),
            normalizeBindings(news.bindings).map(bindingKey),
        )
    ) {
        changes.push("bindings");
    }
    for (const key of ["bootstrapServers", "ssl", "ca", "providerVersion"] as const) {
        if (differs(olds[key], news[key])) changes.push(key);
    }
    return { changes, replaces };
}

/** Bindings to create and to delete to go from `live` to `wanted`. */
export function planAclChanges(
    live: readonly AclBinding[],
    wanted: readonly AclBinding[],
): { add: AclBinding[]; remove: AclBinding[] } {
    const liveKeys = new Set(live.map(bindingKey));
    const wantedKeys = new Set(wanted.map(bindingKey));
    return {
        add: normalizeBindings(wanted.filter((b) => !liveKeys.has(bindingKey(b)))),
        remove: normalizeBindings(live.filter((b) => !wantedKeys.has(bindingKey(b)))),
    };
}
