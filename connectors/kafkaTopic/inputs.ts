/**
 * Plain inputs of the `KafkaTopic` provider and its pure logic: `check` normalization, the `diff`
 * that refuses a partition decrease or replication-factor change, and the config merge that makes
 * the legacy AlterConfigs call behave incrementally.
 */
import type * as pulumi from "@pulumi/pulumi";

/** Bumped whenever the provider's behaviour changes, so existing topics see a diff. */
export const KAFKA_TOPIC_PROVIDER_VERSION = "1";

/** Provider inputs after `check`; also the outputs, with live values. */
export interface TopicInputs {
    bootstrapServers: string;
    name: string;
    partitions: number;
    replicationFactor: number;
    config: Record<string, string>;
    retainOnDelete: boolean;
    adoptExisting: boolean;
    allowDestructiveReplace: boolean;
    ssl: boolean;
    /** PEM CA the brokers' certificates chain to (with `ssl`); unset = the system's CAs. */
    ca?: string;
    sasl?: { mechanism: string; username: string; password: string };
    timeoutSeconds: number;
    providerVersion: string;
    /** The config key behind `bootstrapServers` and what to check when unreachable (not diffed). */
    endpointHint?: string;
}

/** The engine's placeholder for a value not known during preview. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** `check`: normalizes config values to strings, fills defaults, lists every invalid input. */
export function checkTopic(news: Record<string, unknown>): pulumi.dynamic.CheckResult {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    const known = (v: unknown) => v !== UNKNOWN;
    const inputs: Record<string, unknown> = { ...news };
    const name = news.name;
    if (known(name) && (typeof name !== "string" || !/^[a-zA-Z0-9._-]{1,249}$/.test(name))) {
        failures.push({ property: "name", reason: "topic name must be 1-249 of [a-zA-Z0-9._-]" });
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
    for (const key of ["partitions", "replicationFactor"] as const) {
        const v = news[key];
        if (known(v) && !(Number.isInteger(v) && (v as number) >= 1)) {
            failures.push({ property: key, reason: `${key} must be an integer of at least 1` });
        }
    }
    const config: Record<string, string> = {};
    const raw = news.config ?? {};
    if (known(raw)) {
        for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
            if (typeof v === "string" || typeof v === "number" || typeof v === "boolean")
                config[k] = String(v);
            else
                failures.push({
                    property: `config.${k}`,
                    reason: "config value must be a string, number or boolean",
                });
        }
        inputs.config = config;
    }
    const timeout = news.timeoutSeconds ?? 60;
    if (known(timeout) && !(typeof timeout === "number" && timeout > 0)) {
        failures.push({
            property: "timeoutSeconds",
            reason: "timeoutSeconds must be a positive number",
        });
    }
    inputs.timeoutSeconds = timeout;
    inputs.retainOnDelete = news.retainOnDelete ?? false;
    inputs.adoptExisting = news.adoptExisting ?? false;
    inputs.allowDestructiveReplace = news.allowDestructiveReplace ?? false;
    inputs.ssl = news.ssl ?? false;
    inputs.providerVersion = news.providerVersion ?? KAFKA_TOPIC_PROVIDER_VERSION;
    return { inputs, failures };
}

/**
 * The properties whose change needs an update and those that force a replacement. Throws on a
 * partition decrease or RF change unless `allowDestructiveReplace` makes them a replacement.
 */
export function diffTopic(
    olds: TopicInputs,
    news: TopicInputs,
): { changes: string[]; replaces: string[] } {
    const changes: string[] = [];
    const replaces: string[] = [];
    const differs = (a: unknown, b: unknown) => b === UNKNOWN || a !== b;
    if (differs(olds.name, news.name)) replaces.push("name");
    // Unknown during preview when computed from resources not yet created.
    const parts = typeof news.partitions === "number" ? news.partitions : undefined;
    const rf = typeof news.replicationFactor === "number" ? news.replicationFactor : undefined;
    const destructive: string[] = [];
    if (parts !== undefined && parts < olds.partitions) {
        destructive.push(`partitions cannot decrease (${olds.partitions} -> ${parts})`);
    }
    if (rf !== undefined && rf !== olds.replicationFactor) {
        destructive.push(
            `replicationFactor cannot change in place (${olds.replicationFactor} -> ${rf})`,
        );
    }
    if (destructive.length > 0 && !replaces.includes("name")) {
        if (!news.allowDestructiveReplace) {
            throw new Error(
                `topic ${olds.name}: ${destructive.join("; ")}. Kafka cannot do this without ` +
                    "deleting the topic and its data; set allowDestructiveReplace: true to " +
                    "replace it, or keep the current values.",
            );
        }
        if (parts !== undefined && parts < olds.partitions) replaces.push("partitions");
        if (rf !== undefined && rf !== olds.replicationFactor) replaces.push("replicationFactor");
    }
    if (parts === undefined || parts > olds.partitions) changes.push("partitions");
    if (rf === undefined) changes.push("replicationFactor");
    const newConfig = (news.config as unknown) === UNKNOWN ? undefined : news.config;
    if (!newConfig) changes.push("config");
    else {
        const keys = new Set([...Object.keys(olds.config ?? {}), ...Object.keys(newConfig)]);
        for (const k of [...keys].sort()) {
            if (differs(olds.config?.[k], newConfig[k])) changes.push(`config.${k}`);
        }
    }
    for (const key of [
        "retainOnDelete",
        "providerVersion",
        "bootstrapServers",
        "ssl",
        "ca",
    ] as const) {
        if (differs(olds[key], news[key])) changes.push(key);
    }
    return { changes, replaces };
}

/**
 * The full dynamic config to write with the legacy AlterConfigs call: the topic's current dynamic
 * configs, minus keys this resource declared before and no longer declares, plus the declared ones.
 */
export function mergeTopicConfigs(
    current: Record<string, string>,
    previouslyDeclared: Record<string, string>,
    declared: Record<string, string>,
): Record<string, string> {
    const merged: Record<string, string> = { ...current };
    for (const k of Object.keys(previouslyDeclared)) if (!(k in declared)) delete merged[k];
    return { ...merged, ...declared };
}
