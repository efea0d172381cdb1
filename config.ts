/**
 * Typed stack configuration, read in one place. Every key the program reads is declared here
 * (and in Pulumi.yaml); bad config fails before any resource is registered, with one error that
 * lists every problem, the key it concerns and the `pulumi config` command that fixes it.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { pipelinesSchema } from "./components/pipelines/settings";

const quantity = z
    .string()
    .regex(
        /^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/,
        "must be a Kubernetes quantity such as 500m, 1, 512Mi or 8Gi",
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
            tag: z
                .string()
                .min(1)
                .refine((t) => t !== "latest", "must be an exact tag, not latest")
                .default(tag),
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
        allowInsecureImages: z.boolean().default(true),
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
        image: image("docker.io", "apache/hadoop", "3.4.1"),
        datanodes: z.number().int().min(1).max(20).default(2),
        namenodeStorage: storage("10Gi"),
        datanodeStorage: storage("20Gi"),
        namenodeResources: resources("250m", "1Gi", "1", "2Gi"),
        datanodeResources: resources("250m", "1Gi", "1", "2Gi"),
        /** Keep PVCs when the StatefulSets are deleted or scaled down. */
        retainVolumes: z.boolean().default(true),
        webhdfsNodePort: nodePort.optional(),
        /** `hdfs.url` the HDFS sinks write to when the stack brings its own HDFS (hdfs://host:port). */
        rpcUrl: z
            .string()
            .regex(/^hdfs:\/\/[^/\s]+$/, "must look like hdfs://namenode:9000")
            .optional(),
        /** WebHDFS base URL reachable from the machine running pulumi (…/webhdfs/v1). */
        webhdfsUrl: httpUrl.optional(),
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
    .strictObject({ enabled: z.boolean().default(true), ...builtImage })
    .prefault({});

const sqoopSchema = z
    .strictObject({
        enabled: z.boolean().default(true),
        ...builtImage,
        /** Cron schedule: run the incremental import as a CronJob instead of a one-off Job. */
        schedule: z.string().min(9).optional(),
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
    })
    .superRefine((c, ctx) => {
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
    });

/** Parsed, defaulted configuration (without secrets). */
export type PlatformSettings = z.infer<typeof configSchema>;

/** Parsed configuration plus the secrets, which only ever travel as secret Outputs. */
export interface PlatformConfig extends PlatformSettings {
    readonly stack: string;
    readonly project: string;
    /** Postgres password from `postgresPassword` secret config; undefined = generate one. */
    readonly postgresPassword?: pulumi.Output<string>;
}

/** The top-level config keys that hold structured values. */
export const structuredKeys = Object.keys(configSchema.shape) as (keyof PlatformSettings)[];

/** Raised when stack config is invalid; its message lists every problem with its fix. */
export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(
            `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "ConfigError";
    }
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
};

function exampleValue(issue: z.core.$ZodIssue): string {
    const known = examples[issue.path.map(String).join(".")];
    if (known) return known;
    switch (issue.code) {
        case "invalid_value":
            return String(issue.values[0]);
        case "too_small":
            return String(issue.minimum);
        case "too_big":
            return String(issue.maximum);
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

/** One line per zod issue: the key, what is wrong, and the command that fixes it. */
export function describeIssue(issue: z.core.$ZodIssue): string {
    const key = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
        return issue.keys
            .map((k) => {
                const full = key ? `${key}.${k}` : k;
                return `${full}: unknown key (a typo?). Fix: pulumi config rm --path '${full}'`;
            })
            .join("\n  - ");
    }
    const what =
        issue.code === "invalid_type" && issue.input === undefined ? "is required" : issue.message;
    return `${key}: ${what}. Fix: pulumi config set --path '${key}' ${exampleValue(issue)}`;
}

/**
 * Parses raw structured config (as read from the stack) into {@link PlatformSettings}. Pure:
 * throws one {@link ConfigError} listing every problem.
 */
export function parseSettings(raw: Record<string, unknown>): PlatformSettings {
    const result = configSchema.safeParse(raw);
    if (!result.success) {
        throw new ConfigError(result.error.issues.map(describeIssue));
    }
    return result.data;
}

/** Reads and validates this stack's config. Call once, from index.ts. */
export function loadConfig(): PlatformConfig {
    const cfg = new pulumi.Config();
    const raw: Record<string, unknown> = {};
    const problems: string[] = [];
    for (const key of structuredKeys) {
        try {
            const value = key === "protect" ? cfg.getBoolean(key) : cfg.getObject<unknown>(key);
            if (value !== undefined) raw[key] = value;
        } catch (e) {
            problems.push(
                `${key}: ${(e as Error).message}. Fix: pulumi config set --path '${key}...' <value>`,
            );
        }
    }
    let settings: PlatformSettings | undefined;
    try {
        settings = parseSettings(raw);
    } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        problems.push(...e.problems);
    }
    // Read raw to learn only whether it is set: the value itself is taken as a secret below.
    const hasPassword =
        (pulumi.runtime.getConfig(`${pulumi.getProject()}:postgresPassword`) ?? "") !== "";
    if (settings?.postgres.externalHost !== undefined && !hasPassword) {
        problems.push(
            "postgresPassword: is required when postgres.externalHost is set (it cannot be generated for " +
                "a server this stack does not create). Fix: pulumi config set --secret postgresPassword <password>",
        );
    }
    if (problems.length > 0 || settings === undefined) throw new ConfigError(problems);
    return {
        ...settings,
        stack: pulumi.getStack(),
        project: pulumi.getProject(),
        postgresPassword: hasPassword ? cfg.requireSecret("postgresPassword") : undefined,
    };
}
