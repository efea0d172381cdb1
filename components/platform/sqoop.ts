/**
 * Apache Sqoop on Kubernetes: a Job (or a CronJob) that appends new rows of a database table to
 * an HDFS directory, with the password read from a Secret file.
 */
import { createHash } from "node:crypto";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    appLabels,
    nonRootPod,
    readOnlyContainer,
    resolveImage,
    scratchVolume,
    toResources,
    workloadServiceAccount,
    type ImageSource,
    type ResourceSpec,
} from "./common";
import { sqoopImportArgs, validateSqoopImport, type SqoopImportSpec } from "./sqoop/importArgs";

export * from "./sqoop/importArgs";

/** Sqoop version of the image built from `components/platform/sqoop/Dockerfile`. */
export const SQOOP_VERSION = "1.4.7";

/** Where the pod reads the password (the Secret is mounted, never put in an env var or arg). */
export const SQOOP_PASSWORD_FILE = "/var/run/secrets/sqoop/password";

/** uid/gid the image runs as (see the Dockerfile). */
const SQOOP_UID = 10002;

/** Arguments for {@link Sqoop}. */
export interface SqoopArgs extends ImageSource {
    /** Namespace to deploy into. */
    readonly namespace: pulumi.Input<string>;
    /** JDBC URL of the source database (the `Postgres` component's `jdbcUrl`). No default. */
    readonly jdbcUrl: pulumi.Input<string>;
    /** Database user. No default. */
    readonly username: pulumi.Input<string>;
    /** Secret holding the database password (the `Postgres` component's `passwordSecretName`). */
    readonly passwordSecretName: pulumi.Input<string>;
    /** Key of the password in that Secret. Defaults to `password`. */
    readonly passwordSecretKey?: string;
    /** ConfigMap with `core-site.xml`/`hdfs-site.xml` (the `Hdfs` component's `configMapName`). */
    readonly hadoopConfigMapName: pulumi.Input<string>;
    /** Table to import. Defaults to `telemetry` (seed 003). */
    readonly table?: string;
    /** Columns to import. Defaults to `["id", "name", "wattage"]` (seed 003). */
    readonly columns?: readonly string[];
    /** Only-growing integer column the import follows. Defaults to `id`. */
    readonly checkColumn?: string;
    /** HDFS directory the rows are appended to. Defaults to `/old-telemetry` (seed 003). */
    readonly targetDir?: string;
    /** Field delimiter of the text files. Defaults to `,`. */
    readonly fieldDelimiter?: string;
    /** HDFS user the import writes as (simple auth). Defaults to `sqoop`. */
    readonly hdfsUser?: string;
    /** Cron schedule; when set, a CronJob runs the import instead of a one-off Job. No default. */
    readonly schedule?: string;
    /** Pod retries before the Job fails. Defaults to 3. */
    readonly backoffLimit?: number;
    /** Seconds a finished Job is kept before Kubernetes deletes it. Defaults to 86400. */
    readonly ttlSecondsAfterFinished?: number;
    /**
     * Seconds one run may take in all (every retry included) before Kubernetes stops it, so a
     * hung import cannot hold the high-water mark forever. Defaults to 3600.
     */
    readonly activeDeadlineSeconds?: number;
    /** Resources of the import container. Defaults to 500m/1Gi requested, 2 CPU/2Gi limit. */
    readonly resources?: ResourceSpec;
}

const DEFAULT_RESOURCES: ResourceSpec = {
    cpuRequest: "500m",
    memoryRequest: "1Gi",
    cpuLimit: "2",
    memoryLimit: "2Gi",
};

/** First 10 hex characters of the SHA-256 of `parts`, for names that change with their spec. */
export function specHash(parts: readonly unknown[]): string {
    return createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 10);
}

/**
 * A Sqoop import of `table` into `targetDir` (HDFS) with `--incremental append` on the check
 * column. The image is built from `components/platform/sqoop/Dockerfile` (pushed to `buildRegistry`, or only
 * built when unset: on kind run `kind load docker-image ingest.local/sqoop:1.4.7`) unless `image`
 * names one built from it. Its entrypoint reads the largest imported value back from HDFS, so any
 * run — a retry, a re-run, the next schedule — imports exactly the rows not yet there.
 *
 * Without `schedule` the import is a Job named `<name>-import-<hash of its spec>`. Deliberately,
 * any change to the import (columns, target, image, user, JDBC URL...) changes the name, so Pulumi
 * replaces the Job — deleting the old one first, so two imports never overlap — and the import
 * runs again; that re-run is safe because it only appends missing rows. After
 * `ttlSecondsAfterFinished` Kubernetes deletes the finished Job; a `pulumi refresh` then sees it
 * gone and the next `pulumi up` runs the import again, which is how to trigger one by hand.
 *
 * With `schedule` the import is a CronJob with `concurrencyPolicy: Forbid` (two concurrent runs
 * would read the same high-water mark and import the same rows twice).
 */
export class Sqoop extends pulumi.ComponentResource {
    /** Image the import runs. */
    public readonly image: pulumi.Output<string>;
    /** Name of the Job; undefined when `schedule` is set. */
    public readonly jobName?: pulumi.Output<string>;
    /** Name of the CronJob; undefined without `schedule`. */
    public readonly cronJobName?: pulumi.Output<string>;

    constructor(name: string, args: SqoopArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ingest:components:Sqoop", name, {}, opts);

        const spec = (connect: string, username: string): SqoopImportSpec => ({
            connect,
            username,
            passwordFile: `file://${SQOOP_PASSWORD_FILE}`,
            table: args.table ?? "telemetry",
            columns: args.columns ?? ["id", "name", "wattage"],
            checkColumn: args.checkColumn ?? "id",
            targetDir: args.targetDir ?? "/old-telemetry",
            fieldDelimiter: args.fieldDelimiter,
        });
        // Outputs are checked once known (sqoopImportArgs throws); plain strings right away.
        const problems = validateSqoopImport(
            spec(
                typeof args.jdbcUrl === "string" ? args.jdbcUrl : "jdbc:postgresql://validation/db",
                typeof args.username === "string" ? args.username : "validation",
            ),
        );
        if (args.activeDeadlineSeconds !== undefined && !(args.activeDeadlineSeconds > 0)) {
            problems.push(
                `activeDeadlineSeconds ${args.activeDeadlineSeconds} must be more than 0`,
            );
        }
        if (args.backoffLimit !== undefined && !(args.backoffLimit >= 0)) {
            problems.push(`backoffLimit ${args.backoffLimit} must be 0 or more`);
        }
        if (args.schedule !== undefined && args.schedule.trim().split(/\s+/).length !== 5) {
            problems.push(`schedule "${args.schedule}" must be a five-field cron expression`);
        }
        if (problems.length > 0) {
            throw new pulumi.ResourceError(`Sqoop ${name}:\n  - ${problems.join("\n  - ")}`, this);
        }

        this.image = resolveImage(
            name,
            args,
            { context: path.join(__dirname, "sqoop"), repository: "sqoop", tag: SQOOP_VERSION },
            this,
        );
        const importArgs = pulumi
            .all([args.jdbcUrl, args.username])
            .apply(([url, user]) => sqoopImportArgs(spec(url, user)));
        const labels = appLabels(name, "sqoop");
        const targetDir = spec("jdbc:", "").targetDir;
        const hdfsUser = args.hdfsUser ?? "sqoop";
        const secretKey = args.passwordSecretKey ?? "password";

        const serviceAccountName = workloadServiceAccount(
            `${name}-import`,
            args.namespace,
            labels,
            this,
        );
        const jobSpec: k8s.types.input.batch.v1.JobSpec = {
            backoffLimit: args.backoffLimit ?? 3,
            activeDeadlineSeconds: args.activeDeadlineSeconds ?? 3600,
            ttlSecondsAfterFinished: args.ttlSecondsAfterFinished ?? 86_400,
            // One pod at a time: concurrent imports would append the same rows twice.
            parallelism: 1,
            completions: 1,
            template: {
                metadata: { labels },
                spec: {
                    restartPolicy: "Never",
                    serviceAccountName,
                    automountServiceAccountToken: false,
                    securityContext: nonRootPod(SQOOP_UID),
                    containers: [
                        {
                            name: "sqoop",
                            image: this.image,
                            args: importArgs,
                            env: [
                                { name: "SQOOP_TARGET_DIR", value: targetDir },
                                {
                                    name: "SQOOP_FIELD_DELIMITER",
                                    value: args.fieldDelimiter ?? ",",
                                },
                                { name: "HADOOP_USER_NAME", value: hdfsUser },
                            ],
                            // The local MapReduce runner spills to /tmp: more scratch room.
                            resources: toResources(args.resources ?? DEFAULT_RESOURCES, {
                                request: "1Gi",
                                limit: "8Gi",
                            }),
                            securityContext: readOnlyContainer,
                            volumeMounts: [
                                {
                                    name: "password",
                                    mountPath: path.posix.dirname(SQOOP_PASSWORD_FILE),
                                    readOnly: true,
                                },
                                {
                                    name: "hadoop-conf",
                                    mountPath: "/etc/hadoop/conf",
                                    readOnly: true,
                                },
                                { name: "tmp", mountPath: "/tmp" },
                            ],
                        },
                    ],
                    volumes: [
                        {
                            name: "password",
                            secret: {
                                secretName: args.passwordSecretName,
                                items: [
                                    {
                                        key: secretKey,
                                        path: path.posix.basename(SQOOP_PASSWORD_FILE),
                                    },
                                ],
                                // Group-readable: the kubelet gives the file the pod's fsGroup.
                                defaultMode: 0o440,
                            },
                        },
                        { name: "hadoop-conf", configMap: { name: args.hadoopConfigMapName } },
                        // Record-class compilation and the local MapReduce runner write here.
                        scratchVolume("tmp", "8Gi"),
                    ],
                },
            },
        };

        if (args.schedule !== undefined) {
            const cron = new k8s.batch.v1.CronJob(
                `${name}-import`,
                {
                    metadata: { name: `${name}-import`, namespace: args.namespace, labels },
                    spec: {
                        schedule: args.schedule,
                        concurrencyPolicy: "Forbid",
                        successfulJobsHistoryLimit: 3,
                        failedJobsHistoryLimit: 3,
                        jobTemplate: { metadata: { labels }, spec: jobSpec },
                    },
                },
                { parent: this },
            );
            this.cronJobName = cron.metadata.name;
        } else {
            const hash = pulumi
                .all([importArgs, this.image, args.passwordSecretName, secretKey, hdfsUser])
                .apply((parts) => specHash(parts));
            const job = new k8s.batch.v1.Job(
                `${name}-import`,
                {
                    metadata: {
                        name: pulumi.interpolate`${name}-import-${hash}`,
                        namespace: args.namespace,
                        labels,
                    },
                    spec: jobSpec,
                },
                // The old Job goes before the new one starts: imports never run side by side.
                { parent: this, deleteBeforeReplace: true },
            );
            this.jobName = job.metadata.name;
        }
        this.registerOutputs({
            image: this.image,
            jobName: this.jobName,
            cronJobName: this.cronJobName,
        });
    }
}
