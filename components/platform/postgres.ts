import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    ImageRef,
    ResourceSpec,
    appLabels,
    imageName,
    nonRootPod,
    readOnlyContainer,
    scratchVolume,
    toResources,
    workloadServiceAccount,
} from "./common";

/** Arguments for {@link Postgres}. */
export interface PostgresArgs {
    /** Namespace to deploy into. */
    readonly namespace: pulumi.Input<string>;
    /** Image. Defaults come from config: the official `postgres:16.4-bookworm`. */
    readonly image: ImageRef;
    /** Database created on first start. Defaults to `telemetry` (seed 003). */
    readonly database?: string;
    /** Owner of the database. Defaults to `ingest`. */
    readonly username?: string;
    /** Password of `username`: a secret Output, stored only in a Kubernetes Secret. */
    readonly password: pulumi.Input<string>;
    /** PVC size. Defaults to `5Gi`. */
    readonly storageSize?: string;
    /** Storage class; defaults to the cluster default. */
    readonly storageClass?: string;
    /** Requests/limits of the server container. */
    readonly resources: ResourceSpec;
    /** NodePort for host access (kind); unset = ClusterIP only. */
    readonly nodePort?: number;
    /** Further databases created on first start (seed 004's JDBC sink target). Defaults to none. */
    readonly extraDatabases?: readonly string[];
    /** `wal_level=logical`, which Debezium's Postgres source needs. Defaults to false. */
    readonly logicalDecoding?: boolean;
}

/** Postgres port. */
export const POSTGRES_PORT = 5432;

/**
 * Schema created on the first start of an empty data directory: seed 003's `telemetry` table
 * (Sqoop's source, with a few rows so the import has work) and seed 004's `USERS` table with the
 * incrementing key the JDBC source connector follows.
 */
export function postgresInitSql(extraDatabases: readonly string[] = []): string {
    return [
        "CREATE TABLE IF NOT EXISTS telemetry (",
        "  id SERIAL PRIMARY KEY,",
        "  name VARCHAR(255) NOT NULL,",
        "  wattage INT NOT NULL",
        ");",
        "INSERT INTO telemetry (name, wattage) VALUES",
        "  ('Node1', 75000), ('Node2', 65000), ('Node3', 60000), ('Node4', 80000);",
        "",
        'CREATE TABLE IF NOT EXISTS "USERS" (',
        '  "index" BIGSERIAL PRIMARY KEY,',
        "  username VARCHAR(255) NOT NULL,",
        "  name VARCHAR(255),",
        "  sex CHAR(1),",
        "  mail VARCHAR(255),",
        "  address TEXT,",
        "  residence TEXT,",
        "  job VARCHAR(255),",
        "  company VARCHAR(255),",
        "  birthdate DATE,",
        '  "timestamp" TIMESTAMP NOT NULL DEFAULT now()',
        ");",
        "",
        // Names are validated identifiers (config schema); psql runs each statement on its own,
        // as CREATE DATABASE requires.
        ...extraDatabases.map((db) => `CREATE DATABASE ${db};`),
        ...(extraDatabases.length > 0 ? [""] : []),
    ].join("\n");
}

/**
 * PostgreSQL as a StatefulSet with a PVC: the data directory survives pod restarts, updates and
 * scale-down; the init SQL runs only when the directory is empty (the image's own rule).
 */
export class Postgres extends pulumi.ComponentResource {
    /** In-cluster host name. */
    public readonly host: pulumi.Output<string>;
    /** JDBC URL of the database, in-cluster. */
    public readonly jdbcUrl: pulumi.Output<string>;
    /** Secret holding the password under `password`. */
    public readonly passwordSecretName: pulumi.Output<string>;
    /** Database user. */
    public readonly username: string;
    /** Database name. */
    public readonly database: string;

    constructor(name: string, args: PostgresArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ingest:components:Postgres", name, {}, opts);
        this.database = args.database ?? "telemetry";
        this.username = args.username ?? "ingest";
        const labels = appLabels(name, "postgres");

        const secret = new k8s.core.v1.Secret(
            `${name}-auth`,
            {
                metadata: { name: `${name}-auth`, namespace: args.namespace, labels },
                stringData: { password: pulumi.secret(args.password) },
            },
            { parent: this },
        );
        const init = new k8s.core.v1.ConfigMap(
            `${name}-init`,
            {
                metadata: { name: `${name}-init`, namespace: args.namespace, labels },
                data: { "01-seed-tables.sql": postgresInitSql(args.extraDatabases) },
            },
            { parent: this },
        );
        const headless = new k8s.core.v1.Service(
            `${name}-headless`,
            {
                metadata: { name: `${name}-headless`, namespace: args.namespace, labels },
                spec: {
                    clusterIP: "None",
                    selector: labels,
                    ports: [{ name: "pg", port: POSTGRES_PORT }],
                },
            },
            { parent: this },
        );
        const ready = {
            exec: {
                command: [
                    "pg_isready",
                    "-h",
                    "127.0.0.1",
                    "-U",
                    this.username,
                    "-d",
                    this.database,
                ],
            },
        };
        const serviceAccountName = workloadServiceAccount(name, args.namespace, labels, this);
        new k8s.apps.v1.StatefulSet(
            name,
            {
                metadata: { name, namespace: args.namespace, labels },
                spec: {
                    serviceName: headless.metadata.name,
                    replicas: 1,
                    selector: { matchLabels: labels },
                    // Keep the data when the StatefulSet is deleted or scaled down.
                    persistentVolumeClaimRetentionPolicy: {
                        whenDeleted: "Retain",
                        whenScaled: "Retain",
                    },
                    template: {
                        metadata: { labels },
                        spec: {
                            serviceAccountName,
                            automountServiceAccountToken: false,
                            securityContext: nonRootPod(999),
                            containers: [
                                {
                                    name: "postgres",
                                    image: imageName(args.image),
                                    // The image's entrypoint passes these on to postgres.
                                    args: args.logicalDecoding
                                        ? ["-c", "wal_level=logical"]
                                        : undefined,
                                    ports: [{ name: "pg", containerPort: POSTGRES_PORT }],
                                    env: [
                                        { name: "POSTGRES_DB", value: this.database },
                                        { name: "POSTGRES_USER", value: this.username },
                                        {
                                            name: "POSTGRES_PASSWORD",
                                            valueFrom: {
                                                secretKeyRef: {
                                                    name: secret.metadata.name,
                                                    key: "password",
                                                },
                                            },
                                        },
                                        // A subdirectory: the volume root may hold lost+found.
                                        {
                                            name: "PGDATA",
                                            value: "/var/lib/postgresql/data/pgdata",
                                        },
                                    ],
                                    resources: toResources(args.resources),
                                    readinessProbe: {
                                        ...ready,
                                        initialDelaySeconds: 5,
                                        periodSeconds: 10,
                                    },
                                    // Alive while it accepts connections; ready once it
                                    // also serves the database (not during recovery).
                                    livenessProbe: {
                                        tcpSocket: { port: "pg" },
                                        initialDelaySeconds: 30,
                                        periodSeconds: 20,
                                        failureThreshold: 6,
                                    },
                                    securityContext: readOnlyContainer,
                                    volumeMounts: [
                                        { name: "data", mountPath: "/var/lib/postgresql/data" },
                                        {
                                            name: "init",
                                            mountPath: "/docker-entrypoint-initdb.d",
                                            readOnly: true,
                                        },
                                        { name: "run", mountPath: "/var/run/postgresql" },
                                        { name: "tmp", mountPath: "/tmp" },
                                    ],
                                },
                            ],
                            volumes: [
                                { name: "init", configMap: { name: init.metadata.name } },
                                // Read-only root: the socket/lock and temp files go here.
                                scratchVolume("run", "16Mi"),
                                scratchVolume("tmp", "1Gi"),
                            ],
                        },
                    },
                    volumeClaimTemplates: [
                        {
                            metadata: { name: "data", labels },
                            spec: {
                                accessModes: ["ReadWriteOnce"],
                                storageClassName: args.storageClass,
                                resources: { requests: { storage: args.storageSize ?? "5Gi" } },
                            },
                        },
                    ],
                },
            },
            { parent: this },
        );
        const service = new k8s.core.v1.Service(
            name,
            {
                metadata: { name, namespace: args.namespace, labels },
                spec: {
                    type: args.nodePort === undefined ? "ClusterIP" : "NodePort",
                    selector: labels,
                    ports: [
                        {
                            name: "pg",
                            port: POSTGRES_PORT,
                            targetPort: "pg",
                            nodePort: args.nodePort,
                        },
                    ],
                },
            },
            { parent: this },
        );
        this.host = pulumi.interpolate`${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`;
        this.jdbcUrl = pulumi.interpolate`jdbc:postgresql://${this.host}:${POSTGRES_PORT}/${this.database}`;
        this.passwordSecretName = secret.metadata.name;
        this.registerOutputs({
            host: this.host,
            jdbcUrl: this.jdbcUrl,
            passwordSecretName: this.passwordSecretName,
        });
    }
}
