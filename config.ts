/**
 * Typed stack configuration, read in one place. Every key the program reads is declared here
 * (and in Pulumi.yaml); bad config fails before any resource is registered, with one error that
 * lists every problem, the key it concerns and the `pulumi config` command that fixes it.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { pipelinesSchema, stringMap, text } from "./components/pipelines/settings";
import { builtImageIssues, networkSchema } from "./components/platform/settings";

const quantity = text(
    z
        .string()
        .regex(
            /^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/,
            "must be a Kubernetes quantity such as 500m, 1, 512Mi or 8Gi",
        ),
);

const resources = (
    cpuRequest: string,
    memoryRequest: string,
    cpuLimit: string,
    memoryLimit: string,
) =>
    z
        .strictObject({
            cpuRequest: quantity.default(cpuRequest),
            memoryRequest: quantity.default(memoryRequest),
            cpuLimit: quantity.default(cpuLimit),
            memoryLimit: quantity.default(memoryLimit),
        })
        .prefault({});

const image = (registry: string, repository: string, tag: string) =>
    z
        .strictObject({
            registry: z.string().min(1).default(registry),
            repository: z.string().min(1).default(repository),
            tag: text(
                z
                    .string()
                    .min(1)
                    .refine((t) => t !== "latest", "must be an exact tag, not latest"),
            ).default(tag),
        })
        .prefault({});

const nodePort = z.number().int().min(30000).max(32767);
const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });
const storage = (size: string) =>
    z
        .strictObject({ size: quantity.default(size), storageClass: z.string().min(1).optional() })
        .prefault({});

/** A KRaft cluster or directory id: 16 bytes, base64url without padding (22 characters). */
const kraftId = z
    .string()
    .regex(/^[A-Za-z0-9_-]{22}$/, "must be 22 base64url characters (a Kafka Uuid)");

// Missing `kubernetes` reports each required field rather than the whole object.
const kubernetesSchema = z.preprocess(
    (v) => v ?? {},
    z
        .strictObject({
            /**
             * Deploy the platform into a cluster. false = pipelines only: topics, HDFS directories,
             * connectors and streams are declared against services the stack brings (URLs below).
             */
            enabled: z.boolean().default(true),
            /** kubeconfig context; the provider never falls back to the ambient current context. */
            context: z.string().min(1).optional(),
            /** Path to a kubeconfig file; defaults to the usual KUBECONFIG / ~/.kube/config lookup. */
            kubeconfig: z.string().min(1).optional(),
            /** Stable identity of the cluster, so re-creating a kind cluster does not replace every object. */
            clusterIdentifier: z.string().min(1).optional(),
            namespace: z
                .string()
                .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a DNS-1123 label")
                .max(63)
                .default("ingest"),
        })
        .superRefine((k, ctx) => {
            if (!k.enabled) return;
            for (const key of ["context", "clusterIdentifier"] as const) {
                if (k[key] === undefined) {
                    ctx.addIssue({
                        code: "custom",
                        path: [key],
                        message: "is required",
                        input: undefined,
                    });
                }
            }
        }),
);

const kafkaSchema = z
    .strictObject({
        /** Bring your own Kafka (e.g. a managed service): no chart is deployed. */
        externalBootstrapServers: z.string().min(1).optional(),
        /**
         * Chart source: an OCI reference, a chart name in `chartRepository`, or a local chart
         * directory (absolute, or relative to the project: `./charts/kafka`).
         */
        chart: z.string().min(1).default("oci://registry-1.docker.io/bitnamicharts/kafka"),
        /** A Helm repository mirroring Bitnami's, in which `chart` is a chart name (`kafka`). */
        chartRepository: httpUrl.optional(),
        chartVersion: z.string().default("32.4.4"),
        /** Combined controller+broker nodes. */
        replicas: z.number().int().min(1).max(9).default(1),
        defaultReplicationFactor: z.number().int().min(1).optional(),
        minInsyncReplicas: z.number().int().min(1).optional(),
        clusterId: kraftId.optional(),
        security: z.enum(["plaintext", "sasl"]).default("plaintext"),
        storage: storage("8Gi"),
        resources: resources("250m", "1Gi", "1", "2Gi"),
        image: image("docker.io", "bitnamilegacy/kafka", "4.0.0-debian-12-r10"),
        osShellImage: image("docker.io", "bitnamilegacy/os-shell", "12-debian-12-r51"),
        kubectlImage: image("docker.io", "bitnamilegacy/kubectl", "1.33.4-debian-12-r0"),
        jmxExporterImage: image("docker.io", "bitnamilegacy/jmx-exporter", "1.4.0-debian-12-r0"),
        /**
         * Registry mirroring Docker Hub's Bitnami images (same repository paths, e.g.
         * `registry.example.com` holding `bitnamilegacy/kafka`): replaces the registry of all four.
         */
        imageRegistry: z.string().min(1).optional(),
        /** Chart's global.security.allowInsecureImages; unset = on only for a mirror. */
        allowInsecureImages: z.boolean().optional(),
        metrics: z.boolean().default(false),
        /** NodePort of the external listener, for scripts on the host (kind maps it to localhost). */
        externalNodePort: nodePort.optional(),
        /** Host name advertised on the external listener. */
        externalHost: z.string().min(1).default("127.0.0.1"),
        /**
         * Bootstrap servers reachable from the machine running pulumi (the topic resources run
         * there). Defaults to the external NodePort listener when one is configured.
         */
        hostBootstrapServers: z.string().min(1).optional(),
    })
    .prefault({});

const connectSchema = z
    .strictObject({
        /** Image reference; when unset the image is built from components/platform/connect/Dockerfile. */
        image: z.string().min(1).optional(),
        /** Registry to push the built image to; unset = build only (kind: `kind load docker-image`). */
        buildRegistry: z.string().min(1).optional(),
        replicas: z.number().int().min(1).max(10).default(1),
        groupId: z.string().min(1).default("ingest-connect"),
        nodePort: nodePort.optional(),
        /** REST URL reachable from the machine running pulumi (dynamic providers run there). */
        url: httpUrl.optional(),
        /** HTTP basic auth on the REST API (generated admin password; the providers send it). */
        basicAuth: z.boolean().default(false),
        resources: resources("250m", "1Gi", "1", "2Gi"),
    })
    .prefault({});

const ksqldbSchema = z
    .strictObject({
        enabled: z.boolean().default(true),
        image: image("docker.io", "confluentinc/ksqldb-server", "0.29.0"),
        cliImage: image("docker.io", "confluentinc/ksqldb-cli", "0.29.0"),
        cli: z.boolean().default(false),
        serviceId: z
            .string()
            .regex(/^[A-Za-z0-9_]+$/, "may contain letters, digits and underscores only")
            .default("ingest_"),
        nodePort: nodePort.optional(),
        url: httpUrl.optional(),
        /** HTTP basic auth on the REST API (generated admin password; the providers send it). */
        basicAuth: z.boolean().default(false),
        resources: resources("250m", "1Gi", "1", "2Gi"),
    })
    .prefault({});

const postgresSchema = z
    .strictObject({
        /** Bring your own Postgres: host[:port]; no StatefulSet is deployed. */
        externalHost: z.string().min(1).optional(),
        image: image("docker.io", "library/postgres", "16.4-bookworm"),
        database: z
            .string()
            .regex(/^[a-z_][a-z0-9_]*$/, "must be a lower-case SQL identifier")
            .default("telemetry"),
        username: z
            .string()
            .regex(/^[a-z_][a-z0-9_]*$/, "must be a lower-case SQL identifier")
            .default("ingest"),
        storage: storage("5Gi"),
        resources: resources("100m", "256Mi", "500m", "512Mi"),
        nodePort: nodePort.optional(),
    })
    .prefault({});

const consoleSchema = z
    .strictObject({
        enabled: z.boolean().default(true),
        image: image("docker.io", "redpandadata/console", "v2.8.5"),
        nodePort: nodePort.optional(),
        resources: resources("50m", "128Mi", "250m", "256Mi"),
    })
    .prefault({});

const hdfsSchema = z
    .strictObject({
        enabled: z.boolean().default(true),
        /**
         * Image reference; when unset the image is built from components/platform/hdfs/Dockerfile
         * (Hadoop's Maven Central jars on a pinned JRE), as Flume's and Sqoop's are.
         */
        image: z
            .strictObject({
                registry: z.string().min(1),
                repository: z.string().min(1),
                tag: text(
                    z
                        .string()
                        .min(1)
                        .refine((t) => t !== "latest", "must be an exact tag, not latest"),
                ),
            })
            .optional(),
        /** Registry to push the built image to; unset = build only (kind: `kind load docker-image`). */
        buildRegistry: z.string().min(1).optional(),
        datanodes: z.number().int().min(1).max(20).default(2),
        namenodeStorage: storage("10Gi"),
        datanodeStorage: storage("20Gi"),
        namenodeResources: resources("250m", "1Gi", "1", "2Gi"),
        datanodeResources: resources("250m", "1Gi", "1", "2Gi"),
        /** Keep PVCs when the StatefulSets are deleted or scaled down. */
        retainVolumes: z.boolean().default(true),
        webhdfsNodePort: nodePort.optional(),
        /** NodePort of the HttpFS gateway, for check-landing on the host (kind maps it). */
        httpfsNodePort: nodePort.optional(),
        /** `hdfs.url` the HDFS sinks write to when the stack brings its own HDFS (hdfs://host:port). */
        rpcUrl: z
            .string()
            .regex(/^hdfs:\/\/[^/\s]+$/, "must look like hdfs://namenode:9000")
            .optional(),
        /** WebHDFS base URL reachable from the machine running pulumi (…/webhdfs/v1). */
        webhdfsUrl: httpUrl
            .regex(
                /\/webhdfs\/v1$/,
                "must end in /webhdfs/v1 (the WebHDFS REST root), such as http://localhost:30870/webhdfs/v1",
            )
            .optional(),
        /**
         * HttpFS base URL reachable from the host (…/webhdfs/v1), when the stack brings its own
         * HDFS; the deployed platform's own gateway is used otherwise.
         */
        httpfsUrl: httpUrl
            .regex(
                /\/webhdfs\/v1$/,
                "must end in /webhdfs/v1 (the HttpFS REST root), such as http://localhost:30140/webhdfs/v1",
            )
            .optional(),
        /** HDFS superuser the directory resources act as: the user the namenode runs as. */
        adminUser: z.string().min(1).default("hadoop"),
    })
    .prefault({});

const builtImage = {
    /** Image reference; when unset the image is built from the Dockerfile beside the component. */
    image: z.string().min(1).optional(),
    /** Registry to push the built image to; unset = build only (kind: `kind load docker-image`). */
    buildRegistry: z.string().min(1).optional(),
};

const flumeSchema = z
    .strictObject({
        enabled: z.boolean().default(true),
        ...builtImage,
        /** NodePort exposing seed 003's HTTP source to the host (send-text; kind maps it). */
        httpNodePort: nodePort.optional(),
    })
    .prefault({});

const sqoopSchema = z
    .strictObject({
        enabled: z.boolean().default(true),
        ...builtImage,
        /** Cron schedule: run the incremental import as a CronJob instead of a one-off Job. */
        schedule: z
            .string()
            .regex(
                /^\s*\S+(\s+\S+){4}\s*$/,
                'must be a five-field cron expression such as "0 * * * *" (minute hour day month weekday)',
            )
            .optional(),
    })
    .prefault({});

const dataLakeSchema = z
    .strictObject({
        enabled: z.boolean().default(false),
        region: z
            .string()
            .regex(/^[a-z]{2}(-[a-z]+)+-[0-9]$/, "must be an AWS region such as eu-west-1")
            .default("us-east-1"),
        /** Exact bucket name; unset = a unique name derived from the resource name. */
        bucketName: z
            .string()
            .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be a valid S3 bucket name")
            .optional(),
        /** Allow `pulumi destroy` to delete a bucket that still holds objects. */
        forceDestroy: z.boolean().default(false),
        /** S3-compatible endpoint (LocalStack, MinIO): S3, IAM and STS calls go there, path-style. */
        endpoint: httpUrl.optional(),
        /** The same store as the Connect workers reach it (the S3 sinks' `store.url`); unset = AWS. */
        storeUrl: httpUrl.optional(),
    })
    .prefault({});

/** Schema of every structured config key the program reads. */
export const configSchema = z
    .strictObject({
        kubernetes: kubernetesSchema,
        /** Protect stateful resources (Kafka, Postgres, HDFS) from deletion. */
        protect: z.boolean().default(false),
        kafka: kafkaSchema,
        connect: connectSchema,
        ksqldb: ksqldbSchema,
        postgres: postgresSchema,
        console: consoleSchema,
        hdfs: hdfsSchema,
        flume: flumeSchema,
        sqoop: sqoopSchema,
        pipelines: pipelinesSchema,
        dataLake: dataLakeSchema,
        network: networkSchema,
    })
    .superRefine((c, ctx) => {
        for (const issue of builtImageIssues(c)) {
            ctx.addIssue({ code: "custom", ...issue, input: undefined });
        }
        const brokers = c.kafka.replicas;
        const rf = c.kafka.defaultReplicationFactor ?? Math.min(3, brokers);
        if (c.kafka.externalBootstrapServers === undefined && rf > brokers) {
            ctx.addIssue({
                code: "custom",
                path: ["kafka", "defaultReplicationFactor"],
                message: `is ${rf} but only ${brokers} broker(s) are deployed (kafka.replicas)`,
                input: rf,
            });
        }
        const isr = c.kafka.minInsyncReplicas;
        if (isr !== undefined && isr > rf) {
            ctx.addIssue({
                code: "custom",
                path: ["kafka", "minInsyncReplicas"],
                message: `is ${isr} but the replication factor is ${rf}; writes with acks=all would always fail`,
                input: isr,
            });
        }
        if (!c.kubernetes.enabled && serviceUrls.every((k) => valueAt(c, k) === undefined)) {
            ctx.addIssue({
                code: "custom",
                path: ["kubernetes", "enabled"],
                message:
                    "is false (deploy nothing into a cluster) but no service is configured, so the " +
                    `stack would declare nothing; set at least one of ${serviceUrls.join(", ")}`,
                input: false,
                params: {
                    fix:
                        "pulumi config set --path 'kubernetes.enabled' true, or pulumi config set " +
                        "--path 'connect.url' http://localhost:30083 (and the other service URLs)",
                },
            });
        }
        for (const [key, value] of Object.entries(c.pipelines.sinkConfig)) {
            if (!looksSecret(key, value)) continue;
            const path = ["pipelines", "sinkConfig", key];
            ctx.addIssue({
                code: "custom",
                path,
                message:
                    "looks like a secret, and sinkConfig is merged in plaintext into every built-in " +
                    "sink's config, the stack file and the state; a sink that needs a secret is " +
                    "declared in pipelines.connectors with its secret keys in connectorSecrets",
                input: undefined,
                params: {
                    fix:
                        `pulumi config rm --path '${configPath(path)}', then declare the sink in ` +
                        "pipelines.connectors and run pulumi config set --secret --path " +
                        `'${configPath(["connectorSecrets", "<connector>", key])}' <value>`,
                },
            });
        }
        c.pipelines.connectors.forEach((connector, i) => {
            for (const key of Object.keys(connector.config)) {
                if (!looksSecret(key, connector.config[key])) continue;
                const path = ["pipelines", "connectors", i, "config", key];
                const target = configPath(["connectorSecrets", connector.name, key]);
                ctx.addIssue({
                    code: "custom",
                    path,
                    message:
                        "looks like a secret, and plain connector config is stored in plaintext in " +
                        "the stack file and the state; secret keys go in connectorSecrets",
                    input: undefined,
                    params: {
                        fix:
                            `pulumi config rm --path '${configPath(path)}' && ` +
                            `pulumi config set --secret --path '${target}' <value>`,
                    },
                });
            }
        });
    });

/** The service URLs a pipelines-only stack (`kubernetes.enabled: false`) declares against. */
const serviceUrls = [
    "kafka.externalBootstrapServers",
    "kafka.hostBootstrapServers",
    "connect.url",
    "ksqldb.url",
    "hdfs.webhdfsUrl",
];

function valueAt(root: unknown, dotted: string): unknown {
    return dotted
        .split(".")
        .reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], root);
}

/**
 * Connector config keys that hold credentials: `*password*`, `*secret*`, `*credential*`, `*.key`
 * and JAAS lines. Class names (`*.class`) and config-provider placeholders (`${file:...}`,
 * `${env:...}`, resolved on the worker) are not secrets.
 */
export function looksSecret(key: string, value: string): boolean {
    if (/\.class$/i.test(key) || /^\$\{[A-Za-z0-9_-]+:[^}]*\}$/.test(value)) return false;
    return /password|secret|credential|jaas\.config$|(^|\.)key$/i.test(key);
}

/** Parsed, defaulted configuration (without secrets). */
export type PlatformSettings = z.infer<typeof configSchema>;

/** Parsed configuration plus the secrets, which only ever travel as secret Outputs. */
export interface PlatformConfig extends PlatformSettings {
    readonly stack: string;
    readonly project: string;
    /** Postgres password from `postgresPassword` secret config; undefined = generate one. */
    readonly postgresPassword?: pulumi.Output<string>;
    /** Secret config of `pipelines.connectors` by connector name, from `connectorSecrets`. */
    readonly connectorSecrets: Record<string, pulumi.Output<Record<string, string>>>;
}

/** The top-level config keys that hold structured values. */
export const structuredKeys = Object.keys(configSchema.shape) as (keyof PlatformSettings)[];

/**
 * Top-level keys that hold secrets. Declared in Pulumi.yaml without `secret: true` (the CLI
 * rejects a secret key whose default is a plain value, and a secret key without a default is
 * required): the program itself refuses a value that is not encrypted.
 */
export const secretKeys = ["postgresPassword", "connectorSecrets"] as const;

/**
 * Raised when stack config is invalid; its message lists every problem with its fix. A RunError,
 * so Pulumi prints the message alone, without "Unhandled exception" and a stack trace.
 */
export class ConfigError extends pulumi.RunError {
    constructor(readonly problems: string[]) {
        super(
            `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

/**
 * A config key as `pulumi config set --path` takes it: list items as `[0]`, keys holding a dot
 * or a bracket quoted as `["retention.ms"]`.
 */
export function configPath(path: readonly PropertyKey[]): string {
    return path
        .map((seg, i) => {
            if (typeof seg === "number") return `[${seg}]`;
            const s = String(seg);
            if (/[.[\]"]/.test(s)) return `[${JSON.stringify(s)}]`;
            return i === 0 ? s : `.${s}`;
        })
        .join("");
}

/** Example values for fix commands, where the schema alone cannot suggest a good one. */
const examples: Record<string, string> = {
    "kubernetes.context": "kind-ingest",
    "kubernetes.clusterIdentifier": "kind-ingest",
    "kafka.clusterId":
        "$(python3 -c 'import uuid,base64;print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode()[:22])')",
    "connect.url": "http://localhost:30083",
    "ksqldb.url": "http://localhost:30088",
    "hdfs.webhdfsUrl": "http://localhost:30870/webhdfs/v1",
    "hdfs.rpcUrl": "hdfs://namenode:9000",
    "sqoop.schedule": "'0 * * * *'",
    "connect.buildRegistry": "ghcr.io/<org>",
    "flume.buildRegistry": "ghcr.io/<org>",
    "sqoop.buildRegistry": "ghcr.io/<org>",
    "hdfs.buildRegistry": "ghcr.io/<org>",
};

function exampleValue(issue: z.core.$ZodIssue, key: string): string {
    const known = examples[key];
    if (known) return known;
    switch (issue.code) {
        case "invalid_value":
            return String(issue.values[0]);
        // A length bound is no example of a string or list.
        case "too_small":
            return issue.origin === "number" ? String(issue.minimum) : "<value>";
        case "too_big":
            return issue.origin === "number" ? String(issue.maximum) : "<value>";
        case "invalid_type":
            return issue.expected === "number"
                ? "1"
                : issue.expected === "boolean"
                  ? "true"
                  : "<value>";
        default:
            return "<value>";
    }
}

/** "a string", "a number", "a list", "an object" ... for a config value. */
function kindOf(v: unknown): string {
    if (v === null) return "null";
    if (Array.isArray(v)) return "a list";
    return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

const expectedKind: Record<string, string> = {
    array: "a list",
    object: "an object",
    record: "an object",
    map: "an object",
};

/** One line per zod issue: the key, what is wrong, and the command that fixes it. */
export function describeIssue(issue: z.core.$ZodIssue): string {
    const key = configPath(issue.path);
    if (issue.code === "unrecognized_keys") {
        return issue.keys
            .map((k) => {
                const full = configPath([...issue.path, k]);
                return `${full}: unknown key (a typo?). Fix: pulumi config rm --path '${full}'`;
            })
            .join("\n  - ");
    }
    const fix = (issue as { params?: { fix?: string } }).params?.fix;
    if (fix !== undefined) return `${key}: ${issue.message}. Fix: ${fix}`;
    if (issue.code === "invalid_type" && issue.input !== undefined) {
        const expected = expectedKind[issue.expected] ?? `a ${issue.expected}`;
        const what = `must be ${expected}, not ${kindOf(issue.input)}`;
        if (expected === "a list" || expected === "an object") {
            const inner = expected === "a list" ? `${key}[0]` : `${key}.<key>`;
            return (
                `${key}: ${what}. Fix: pulumi config rm --path '${key}' && ` +
                `pulumi config set --path '${inner}' <value>`
            );
        }
        return `${key}: ${what}. Fix: pulumi config set --path '${key}' ${exampleValue(issue, key)}`;
    }
    const what =
        issue.code === "invalid_type" && issue.input === undefined ? "is required" : issue.message;
    return `${key}: ${what}. Fix: pulumi config set --path '${key}' ${exampleValue(issue, key)}`;
}

/**
 * Parses raw structured config (as read from the stack) into {@link PlatformSettings}. Pure:
 * throws one {@link ConfigError} listing every problem.
 */
export function parseSettings(raw: Record<string, unknown>): PlatformSettings {
    // reportInput: a wrong value is told apart from a missing one (the input itself is never printed).
    const result = configSchema.safeParse(raw, { reportInput: true });
    if (!result.success) {
        throw new ConfigError(result.error.issues.map(describeIssue));
    }
    return result.data;
}

/** The project's config as the engine passes it to the program. */
export interface RawConfig {
    /** Every key of the project's namespace (without `project:`); structured values as JSON text. */
    readonly values: Readonly<Record<string, string>>;
    /** The keys (same form) whose value is encrypted in the stack file. */
    readonly secretKeys: readonly string[];
}

/** Settings plus the secrets in plaintext: {@link loadConfig} wraps them before anyone sees them. */
export interface ParsedConfig {
    readonly settings: PlatformSettings;
    readonly postgresPassword?: string;
    readonly connectorSecrets: Record<string, Record<string, string>>;
}

/** Levenshtein distance, for "did you mean" on a mistyped top-level key. */
function distance(a: string, b: string): number {
    let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const row = [i];
        for (let j = 1; j <= b.length; j++) {
            row[j] = Math.min(
                prev[j] + 1,
                row[j - 1] + 1,
                prev[j - 1] + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1),
            );
        }
        prev = row;
    }
    return prev[b.length];
}

/** Problems with top-level keys the program does not read: typos and paths set without --path. */
function unknownKeyProblems(raw: RawConfig): string[] {
    const known: string[] = [...structuredKeys, ...secretKeys];
    const problems: string[] = [];
    for (const key of Object.keys(raw.values).sort()) {
        if (known.includes(key)) continue;
        const head = /^[^.[]+/.exec(key)?.[0] ?? key;
        if (head !== key && known.includes(head)) {
            const value = raw.values[key];
            const secret = raw.secretKeys.includes(key);
            const shown = !secret && /^[A-Za-z0-9._:/@-]+$/.test(value) ? value : "<value>";
            problems.push(
                `${key}: unknown key: a structured value set without --path. Fix: ` +
                    `pulumi config rm '${key}' && pulumi config set${secret ? " --secret" : ""} ` +
                    `--path '${key}' ${shown}`,
            );
            continue;
        }
        const near = known.find((k) => distance(k, key) <= 2);
        problems.push(
            `${key}: unknown key${near ? ` (did you mean ${near}?)` : " (a typo?)"}. Fix: ` +
                `pulumi config rm '${key}'` +
                (near ? `, then ${setCommand(near)}` : ""),
        );
    }
    return problems;
}

/** How a top-level key is set. */
function setCommand(key: string): string {
    switch (key) {
        case "protect":
            return "pulumi config set protect true";
        case "postgresPassword":
            return "pulumi config set --secret postgresPassword <password>";
        case "connectorSecrets":
            return `pulumi config set --secret --path 'connectorSecrets["<connector>"]["<key>"]' <value>`;
        default:
            return `pulumi config set --path '${key}.<key>' <value>`;
    }
}

/** `connectorSecrets`: connector name → secret config keys and values. */
const connectorSecretsSchema = z.record(z.string(), stringMap);

/**
 * Parses and validates the whole config of the project's namespace. Pure: throws one
 * {@link ConfigError} listing every problem; no message ever holds a secret value.
 */
export function parseConfig(raw: RawConfig): ParsedConfig {
    const problems = unknownKeyProblems(raw);
    const structured: Record<string, unknown> = {};
    for (const key of structuredKeys) {
        const text = raw.values[key];
        if (text === undefined) continue;
        try {
            structured[key] = JSON.parse(text);
        } catch {
            // A plain string where an object or boolean belongs: the schema names the type.
            structured[key] = text;
        }
    }
    let settings: PlatformSettings | undefined;
    try {
        settings = parseSettings(structured);
    } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        problems.push(...e.problems);
    }
    const plaintext = (key: string, fix: string) =>
        `${key}: is stored in plaintext in the stack file (set without --secret). Fix: ${fix}`;

    const password = raw.values.postgresPassword ?? "";
    if (password !== "" && !raw.secretKeys.includes("postgresPassword")) {
        problems.push(
            plaintext(
                "postgresPassword",
                "pulumi config set --secret postgresPassword <password> (then rotate it: it was committed)",
            ),
        );
    }
    if (settings?.postgres.externalHost !== undefined && password === "") {
        problems.push(
            "postgresPassword: is required when postgres.externalHost is set (it cannot be generated for " +
                "a server this stack does not create). Fix: pulumi config set --secret postgresPassword <password>",
        );
    }

    let connectorSecrets: Record<string, Record<string, string>> = {};
    const secretsText = raw.values.connectorSecrets;
    if (secretsText !== undefined && secretsText !== "" && secretsText !== "{}") {
        let parsed: unknown = secretsText;
        try {
            parsed = JSON.parse(secretsText);
        } catch {
            // kept as text: reported as the wrong type below
        }
        const result = connectorSecretsSchema.safeParse(parsed, { reportInput: true });
        if (!result.success) {
            problems.push(
                ...result.error.issues.map((i) =>
                    describeIssue({ ...i, path: ["connectorSecrets", ...i.path] }).replace(
                        "pulumi config set --path",
                        "pulumi config set --secret --path",
                    ),
                ),
            );
        } else {
            connectorSecrets = result.data;
            if (!raw.secretKeys.includes("connectorSecrets")) {
                problems.push(
                    plaintext(
                        "connectorSecrets",
                        `pulumi config rm connectorSecrets && ${setCommand("connectorSecrets")} for each key`,
                    ),
                );
            }
            const connectors = settings?.pipelines.connectors ?? [];
            for (const [name, keys] of Object.entries(connectorSecrets)) {
                const index = connectors.findIndex((c) => c.name === name);
                if (settings !== undefined && index < 0) {
                    const names = connectors.map((c) => c.name).join(", ") || "none";
                    problems.push(
                        `${configPath(["connectorSecrets", name])}: no connector of that name in ` +
                            `pipelines.connectors (declared: ${names}). Fix: pulumi config rm --path ` +
                            `'${configPath(["connectorSecrets", name])}', or declare the connector`,
                    );
                    continue;
                }
                for (const k of Object.keys(keys)) {
                    if (index >= 0 && k in connectors[index].config) {
                        const plain = configPath(["pipelines", "connectors", index, "config", k]);
                        problems.push(
                            `${configPath(["connectorSecrets", name, k])}: is also set in plain ` +
                                `config (${plain}). Fix: pulumi config rm --path '${plain}'`,
                        );
                    }
                }
            }
        }
    }
    if (problems.length > 0 || settings === undefined) throw new ConfigError(problems);
    return {
        settings,
        postgresPassword: password === "" ? undefined : password,
        connectorSecrets,
    };
}

/** Reads and validates this stack's config. Call once, from index.ts. */
export function loadConfig(): PlatformConfig {
    const project = pulumi.getProject();
    const prefix = `${project}:`;
    const strip = (k: string) => (k.startsWith(prefix) ? k.slice(prefix.length) : undefined);
    const values: Record<string, string> = {};
    const secret: string[] = [];
    // Every key of the project's namespace, so a typo or a path set without --path is reported.
    for (const [full, value] of Object.entries(pulumi.runtime.allConfig())) {
        const key = strip(full);
        if (key === undefined) continue;
        values[key] = value;
        if (isSecretKey(full)) secret.push(key);
    }
    const parsed = parseConfig({ values, secretKeys: secret });
    return {
        ...parsed.settings,
        stack: pulumi.getStack(),
        project,
        postgresPassword:
            parsed.postgresPassword === undefined
                ? undefined
                : pulumi.secret(parsed.postgresPassword),
        connectorSecrets: Object.fromEntries(
            Object.entries(parsed.connectorSecrets).map(([name, keys]) => [
                name,
                pulumi.secret(keys),
            ]),
        ),
    };
}

/** Whether the engine passed `key` (`project:key`) as a secret. */
function isSecretKey(key: string): boolean {
    // Exported by the runtime but marked internal, so absent from its type declarations.
    const runtime = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
    if (runtime.isConfigSecret === undefined) {
        throw new Error(
            "@pulumi/pulumi no longer exports runtime.isConfigSecret: update isSecretKey",
        );
    }
    return runtime.isConfigSecret(key);
}
