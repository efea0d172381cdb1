/**
 * Plain inputs and outputs of the `KafkaConnector` provider, and its pure `check` and `diff`
 * logic: values normalized to strings, defaults filled, secret config compared by hash, and the
 * precise list of changed and replacing properties.
 */
import * as crypto from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";

/** Run states a connector can be asked to be in. */
export type ConnectorTargetState = "RUNNING" | "PAUSED" | "STOPPED";

/** Bumped whenever the provider's behaviour changes, so existing connectors see a diff. */
export const KAFKA_CONNECTOR_PROVIDER_VERSION = "1";

/** Status of one connector task as reported by `GET /connectors/{name}/status`. */
export interface ConnectorTaskStatus {
    /** Task number. */
    readonly id: number;
    /** UNASSIGNED, RUNNING, PAUSED, FAILED or RESTARTING. */
    readonly state: string;
    /** Worker running the task. */
    readonly workerId: string;
    /** Stack trace of a FAILED task (secret values removed). */
    readonly trace?: string;
}

/** Provider inputs after `check`: plain values, every default filled in. */
export interface ConnectorInputs {
    connectUrl: string;
    name: string;
    config: Record<string, string>;
    sensitiveConfig: Record<string, string>;
    state: ConnectorTargetState;
    restartOnFailure: boolean;
    restartNonce: string;
    adoptExisting: boolean;
    waitTimeoutSeconds: number;
    settleSeconds: number;
    providerVersion: string;
    /** Where `connectUrl` comes from and what to check when it cannot be reached (not diffed). */
    endpointHint?: string;
    /** HTTP basic-auth credentials of the REST API (a secret input and output). */
    basicAuth?: { username: string; password: string };
}

/** Provider outputs (the state file): inputs minus secret values, plus live status. */
export interface ConnectorOutputs extends Omit<ConnectorInputs, "sensitiveConfig"> {
    sensitiveKeys: string[];
    sensitiveConfigHash: string;
    connectorType: string;
    connectorState: string;
    tasks: ConnectorTaskStatus[];
    topics: string[];
}

/** The engine's placeholder for a value not known during preview. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const STATES = ["RUNNING", "PAUSED", "STOPPED"];

/** How workers that mask secrets (Confluent Platform) render them in a config. */
export const MASKED = /^(\[hidden\]|\*+|•+)$/;

/** `check`: normalizes values to strings, fills defaults, lists every invalid input. */
export function checkConnector(news: Record<string, unknown>): pulumi.dynamic.CheckResult {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    const fail = (property: string, reason: string) => failures.push({ property, reason });
    const known = (v: unknown) => v !== UNKNOWN;
    const inputs: Record<string, unknown> = { ...news };
    const name = news.name;
    if (
        known(name) &&
        (typeof name !== "string" || !/^[^/\s][^/]*$/.test(name) || name !== name.trim())
    ) {
        fail("name", `connector name must be a non-empty string without "/" or surrounding spaces`);
    }
    const url = news.connectUrl;
    if (known(url) && (typeof url !== "string" || !/^https?:\/\/[^/]+/.test(url))) {
        fail("connectUrl", "connectUrl must be an http(s) URL such as http://connect:8083");
    } else if (typeof url === "string") {
        inputs.connectUrl = url.replace(/\/+$/, "");
    }
    const config: Record<string, string> = {};
    const rawConfig = news.config;
    if (known(rawConfig) && (typeof rawConfig !== "object" || rawConfig === null)) {
        fail("config", "config must be a map of strings, numbers or booleans");
    } else if (known(rawConfig)) {
        for (const [k, v] of Object.entries(rawConfig as Record<string, unknown>)) {
            if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") {
                config[k] = String(v);
            } else {
                fail(`config.${k}`, `config value must be a string, number or boolean`);
            }
        }
        if (config["connector.class"] === undefined) {
            fail("config", `config must set "connector.class"`);
        }
        if (
            config.name !== undefined &&
            known(config.name) &&
            known(name) &&
            config.name !== name
        ) {
            fail(
                "config.name",
                `config "name" (${config.name}) must equal the connector name (${String(name)})`,
            );
        }
        if (known(name) && typeof name === "string") config.name = name;
        inputs.config = config;
    }
    const sensitive = news.sensitiveConfig ?? {};
    if (known(sensitive) && (typeof sensitive !== "object" || sensitive === null)) {
        fail("sensitiveConfig", "sensitiveConfig must be a map of strings");
    } else if (known(sensitive)) {
        for (const [k, v] of Object.entries(sensitive as Record<string, unknown>)) {
            if (typeof v !== "string" && known(v)) fail(`sensitiveConfig.${k}`, "must be a string");
            if (k in config) fail(`sensitiveConfig.${k}`, `"${k}" is also set in config`);
            if (k === "name" || k === "connector.class")
                fail(`sensitiveConfig.${k}`, `"${k}" must be in config`);
        }
        inputs.sensitiveConfig = sensitive;
    }
    const state = news.state ?? "RUNNING";
    if (known(state) && !STATES.includes(state as string)) {
        fail("state", `state must be one of ${STATES.join(", ")}`);
    }
    inputs.state = state;
    const wait = news.waitTimeoutSeconds ?? 300;
    if (known(wait) && (typeof wait !== "number" || !(wait > 0))) {
        fail("waitTimeoutSeconds", "waitTimeoutSeconds must be a positive number");
    }
    inputs.waitTimeoutSeconds = wait;
    const settle = news.settleSeconds ?? 3;
    if (known(settle) && (typeof settle !== "number" || !(settle >= 0))) {
        fail("settleSeconds", "settleSeconds must be a number of at least 0");
    }
    inputs.settleSeconds = settle;
    inputs.restartOnFailure = news.restartOnFailure ?? false;
    inputs.adoptExisting = news.adoptExisting ?? false;
    const nonce = news.restartNonce;
    if (nonce === undefined || nonce === null) inputs.restartNonce = "";
    else if (typeof nonce === "string" || typeof nonce === "number")
        inputs.restartNonce = String(nonce);
    else fail("restartNonce", "restartNonce must be a string or number");
    inputs.providerVersion = news.providerVersion ?? KAFKA_CONNECTOR_PROVIDER_VERSION;
    const auth = news.basicAuth;
    if (auth !== undefined && auth !== null) {
        const a = auth as Record<string, unknown>;
        if (
            known(auth) &&
            (typeof auth !== "object" ||
                (known(a.username) && (typeof a.username !== "string" || a.username === "")) ||
                (known(a.password) && typeof a.password !== "string"))
        ) {
            fail("basicAuth", "basicAuth must be { username, password } strings");
        }
        inputs.basicAuth = news.basicAuth;
    }
    return { inputs, failures };
}

/** SHA-256 of the secret config (sorted), so a changed secret shows as a change. */
export function hashSensitive(sensitive: Record<string, string> | undefined): string {
    const entries = Object.entries(sensitive ?? {}).sort(([a], [b]) =>
        a < b ? -1 : a > b ? 1 : 0,
    );
    return crypto.createHash("sha256").update(JSON.stringify(entries)).digest("hex");
}

/** The properties whose change needs an update, and those that force a replacement. */
export function diffConnector(
    olds: Partial<ConnectorOutputs>,
    news: ConnectorInputs,
): { changes: string[]; replaces: string[] } {
    const changes: string[] = [];
    const replaces: string[] = [];
    const differs = (a: unknown, b: unknown) => b === UNKNOWN || a !== b;
    if (differs(olds.name, news.name)) replaces.push("name");
    if (differs(olds.connectUrl, news.connectUrl)) replaces.push("connectUrl");
    // New credentials are stored for refresh and delete; they change nothing on the worker.
    if (JSON.stringify(olds.basicAuth) !== JSON.stringify(news.basicAuth)) {
        changes.push("basicAuth");
    }
    const oldConfig = olds.config ?? {};
    const newConfig = (news.config as unknown) === UNKNOWN ? undefined : news.config;
    if (!newConfig) changes.push("config");
    else {
        const keys = new Set([...Object.keys(oldConfig), ...Object.keys(newConfig)]);
        for (const k of [...keys].sort()) {
            if (differs(oldConfig[k], newConfig[k])) changes.push(`config.${k}`);
        }
    }
    const secrets = news.sensitiveConfig as unknown;
    const secretValues = secrets === UNKNOWN ? [UNKNOWN] : Object.values(news.sensitiveConfig);
    if (
        secretValues.includes(UNKNOWN) ||
        hashSensitive(news.sensitiveConfig) !== olds.sensitiveConfigHash
    ) {
        changes.push("sensitiveConfig");
    }
    for (const key of ["state", "restartNonce", "restartOnFailure", "providerVersion"] as const) {
        if (differs(olds[key], news[key])) changes.push(key);
    }
    // Live drift recorded by the last read: a connector paused, resumed or failed out of band.
    const live = olds.connectorState;
    const settled = live !== undefined && ["RUNNING", "PAUSED", "STOPPED"].includes(live);
    if (settled && live !== news.state && !changes.includes("state")) {
        changes.push("connectorState");
    }
    const failed = live === "FAILED" || (olds.tasks ?? []).some((t) => t.state === "FAILED");
    if (failed && news.restartOnFailure === true && news.state !== "STOPPED") changes.push("tasks");
    return { changes, replaces };
}
