/**
 * The one value every pipeline consumes: what the machine running `pulumi` reaches (the dynamic
 * providers run there) and what in-cluster workloads reach, produced either by the deployed
 * platform or from the external-service config of a pipelines-only stack.
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config";
import type { Platform } from "./platform/platform";
import { POSTGRES_PORT } from "./platform/postgres";

/** SASL credentials the topic resources use. */
export interface KafkaSaslCredentials {
    readonly username: string;
    readonly password: pulumi.Input<string>;
    /** The KafkaTopic provider's mechanism; unset = `plain`. */
    readonly mechanism?: "plain" | "scram-sha-512";
}

/** How in-cluster Kafka clients authenticate (spread into Connect/Flume args). */
export interface KafkaClientSettings {
    readonly securityProtocol: string;
    readonly saslUser?: string;
    /** Unset = `PLAIN`. */
    readonly saslMechanism?: "PLAIN" | "SCRAM-SHA-512";
    readonly saslSecretName?: pulumi.Input<string>;
    /** Key of the password in that Secret. Unset = the chart's `client-passwords`. */
    readonly saslSecretKey?: string;
    /** ConfigMap with the Kafka CA (`ca.crt`), with `SASL_SSL`. */
    readonly kafkaCaConfigMapName?: pulumi.Input<string>;
}

/** Endpoints the machine running `pulumi` reaches; unset = that service is not available. */
export interface HostEndpoints {
    readonly kafka?: pulumi.Input<string>;
    readonly kafkaSasl?: KafkaSaslCredentials;
    /** PEM CA of the brokers' TLS listeners (the program's private CA); unset = no TLS. */
    readonly kafkaCa?: pulumi.Input<string>;
    readonly connect?: pulumi.Input<string>;
    /** Basic-auth credentials of Connect's REST API (a secret), when it requires them. */
    readonly connectAuth?: pulumi.Input<{ username: string; password: string }>;
    readonly ksqldb?: pulumi.Input<string>;
    /** Basic-auth credentials of ksqlDB's REST API (a secret), when it requires them. */
    readonly ksqldbAuth?: pulumi.Input<{ username: string; password: string }>;
    /** WebHDFS base URL (`…/webhdfs/v1`). */
    readonly webhdfs?: pulumi.Input<string>;
    /**
     * HttpFS base URL (`…/webhdfs/v1`): the same REST API, but file contents come from the gateway
     * instead of a redirect to a DataNode address the host cannot reach.
     */
    readonly httpfs?: pulumi.Input<string>;
    /** Postgres `host:port` (the NodePort on kind, or `postgres.externalHost`). */
    readonly postgres?: string;
    /** S3 endpoint of the data lake (LocalStack's on dev, the region's AWS endpoint otherwise). */
    readonly s3?: string;
    /** Per endpoint: its config key and what to check when it cannot be reached. */
    readonly hints?: EndpointHints;
}

/** What the providers name when an endpoint does not answer. */
export interface EndpointHints {
    readonly kafka?: string;
    readonly connect?: string;
    readonly ksqldb?: string;
    readonly webhdfs?: string;
}

/**
 * The config key behind each host endpoint and what to check when it does not answer: a NodePort
 * needs the kind cluster running with scripts/kind-config.yaml's port mappings; a URL must be right
 * and reachable from the machine running pulumi.
 */
export function endpointHints(cfg: PlatformConfig, deployed: boolean): EndpointHints {
    const url = (key: string) =>
        `Config key: ${key}. Is it right, and reachable from the machine running pulumi ` +
        `(VPN, load balancer, firewall)?`;
    const nodePort = (key: string, port: number | undefined) =>
        `Config key: ${key} (localhost:${port}). Is the kind cluster running (\`kind get ` +
        `clusters\`; \`npm run dev:up\` creates it), and was it created from ` +
        `scripts/kind-config.yaml, which maps this NodePort to localhost?`;
    const either = (urlKey: string, set: unknown, portKey: string, port: number | undefined) =>
        set !== undefined || !deployed ? url(urlKey) : nodePort(portKey, port);
    const kafkaUrlKey = cfg.kafka.hostBootstrapServers
        ? "kafka.hostBootstrapServers"
        : "kafka.externalBootstrapServers";
    return {
        kafka: either(
            kafkaUrlKey,
            cfg.kafka.hostBootstrapServers ?? cfg.kafka.externalBootstrapServers,
            "kafka.externalNodePort",
            cfg.kafka.externalNodePort,
        ),
        connect: either("connect.url", cfg.connect.url, "connect.nodePort", cfg.connect.nodePort),
        ksqldb: either("ksqldb.url", cfg.ksqldb.url, "ksqldb.nodePort", cfg.ksqldb.nodePort),
        webhdfs: either(
            "hdfs.webhdfsUrl",
            cfg.hdfs.webhdfsUrl,
            "hdfs.webhdfsNodePort",
            cfg.hdfs.webhdfsNodePort,
        ),
    };
}

/** Endpoints the platform's own workloads (connector tasks, Flume, Sqoop) reach. */
export interface ClusterEndpoints {
    readonly kafka?: pulumi.Input<string>;
    /** `hdfs://namenode:port` as Connect sees it. */
    readonly hdfsRpc?: pulumi.Input<string>;
    /** S3 data-lake bucket and the Connect worker's region for it. */
    readonly dataLake?: {
        readonly bucket: pulumi.Input<string>;
        readonly region: string;
        /** The S3 sink's `store.url` (LocalStack, MinIO) as Connect sees it; unset = AWS. */
        readonly storeUrl?: string;
    };
    /** Postgres as Connect sees it (JDBC URL). */
    readonly postgresJdbcUrl?: pulumi.Input<string>;
    /** Postgres as Connect sees it, for the seed 004 source and sink connectors. */
    readonly postgres?: PostgresEndpoint;
}

/** A Postgres server as the Connect workers reach it; the password is never here. */
export interface PostgresEndpoint {
    readonly host: pulumi.Input<string>;
    readonly port: number;
    /** Database holding the seed tables (`telemetry`, `USERS`). */
    readonly database: string;
    readonly username: string;
}

/** `host[:port]` of `postgres.externalHost` as an endpoint. */
export function parsePostgresHost(
    hostPort: string,
    database: string,
    username: string,
): PostgresEndpoint {
    const m = /^(.*?)(?::(\d+))?$/.exec(hostPort)!;
    return { host: m[1], port: m[2] === undefined ? 5432 : Number(m[2]), database, username };
}

/**
 * Postgres as the machine running `pulumi` (and the data tools) reaches it: the NodePort on
 * localhost when the stack deploys Postgres with one, else `postgres.externalHost` as configured
 * (the stack cannot tell whether this machine reaches it), else none.
 */
export function hostPostgresEndpoint(cfg: PlatformConfig, deployed: boolean): string | undefined {
    if (deployed) {
        return cfg.postgres.nodePort === undefined
            ? undefined
            : `localhost:${cfg.postgres.nodePort}`;
    }
    return cfg.postgres.externalHost;
}

/** The data lake's S3 endpoint: `dataLake.endpoint` (LocalStack, MinIO), else AWS's for the region. */
export function s3Endpoint(cfg: PlatformConfig): string | undefined {
    if (!cfg.dataLake.enabled) return undefined;
    return cfg.dataLake.endpoint ?? `https://s3.${cfg.dataLake.region}.amazonaws.com`;
}

/** What a pipeline needs to start in-cluster workloads (Flume agents, Sqoop jobs). */
export interface WorkloadContext {
    readonly provider: k8s.Provider;
    readonly namespace: pulumi.Input<string>;
    readonly kafkaBootstrapServers: pulumi.Input<string>;
    readonly kafkaClient: KafkaClientSettings;
    /** ConfigMap with core-site.xml/hdfs-site.xml; unset when the stack has no HDFS. */
    readonly hadoopConfigMapName?: pulumi.Input<string>;
    readonly postgres?: {
        readonly jdbcUrl: pulumi.Input<string>;
        readonly username: pulumi.Input<string>;
        readonly passwordSecretName: pulumi.Input<string>;
        /** The Postgres component, for ordering. */
        readonly resource: pulumi.Resource;
    };
    /** Built (or configured) images; unset when that workload is switched off. */
    readonly images: {
        readonly flume?: pulumi.Input<string>;
        readonly sqoop?: pulumi.Input<string>;
    };
    /** Sqoop CronJob schedule; unset = a one-off Job. */
    readonly sqoopSchedule?: string;
    /** NodePort of seed 003's Flume HTTP source (kind maps it to localhost); unset = ClusterIP. */
    readonly flumeHttpNodePort?: number;
}

/** Everything a pipeline is declared against. */
export interface Endpoints {
    readonly host: HostEndpoints;
    readonly cluster: ClusterEndpoints;
    /** Present when the stack deploys into a cluster. */
    readonly workloads?: WorkloadContext;
    /** Replication factor of topics that do not set one. */
    readonly replicationFactor: number;
    /** Number of brokers, when the stack knows it (it deploys Kafka); bounds replication factors. */
    readonly brokers?: number;
    /** HDFS superuser the directory resources act as. */
    readonly hdfsAdminUser: string;
    /** Platform resources every pipeline object waits for (and is deleted before). */
    readonly dependsOn: pulumi.Resource[];
}

/** Endpoints of a deployed platform (host URLs from NodePorts or configured URLs). */
export function platformEndpoints(cfg: PlatformConfig, p: Platform): Endpoints {
    const kafkaPassword = p.kafka?.clientPassword;
    return {
        host: {
            kafka: p.kafkaHostBootstrapServers ?? cfg.kafka.externalBootstrapServers,
            kafkaSasl:
                kafkaPassword && p.kafkaClient.saslUser
                    ? {
                          // The topic resources act as the operator (a super user), not as
                          // the in-cluster clients' user.
                          username: p.kafka?.users?.operator.username ?? p.kafkaClient.saslUser,
                          password: kafkaPassword,
                          mechanism:
                              p.kafkaClient.saslMechanism === "SCRAM-SHA-512"
                                  ? "scram-sha-512"
                                  : "plain",
                      }
                    : undefined,
            kafkaCa: p.kafka?.caCert,
            connect: p.connectHostUrl,
            connectAuth: p.connect.restCredentials,
            ksqldb: p.ksqldbHostUrl,
            ksqldbAuth: p.ksqldb?.restCredentials,
            webhdfs: p.webhdfsHostUrl,
            // As WebHDFS: hdfs.httpfsUrl, else the NodePort, else the in-cluster URL.
            httpfs: cfg.hdfs.httpfsUrl ?? p.hdfs?.hostHttpfsUrl ?? p.hdfs?.httpfsUrl,
            postgres: hostPostgresEndpoint(cfg, p.postgres !== undefined),
            s3: p.dataLake ? s3Endpoint(cfg) : undefined,
            hints: endpointHints(cfg, true),
        },
        cluster: {
            kafka: p.bootstrapServers,
            hdfsRpc: p.hdfs?.rpcUrl ?? cfg.hdfs.rpcUrl,
            dataLake: p.dataLake
                ? {
                      bucket: p.dataLake.bucketName,
                      region: cfg.dataLake.region,
                      storeUrl: cfg.dataLake.storeUrl,
                  }
                : undefined,
            postgresJdbcUrl: p.postgres?.jdbcUrl,
            postgres: p.postgres
                ? {
                      host: p.postgres.host,
                      port: POSTGRES_PORT,
                      database: p.postgres.database,
                      username: p.postgres.username,
                  }
                : cfg.postgres.externalHost === undefined
                  ? undefined
                  : parsePostgresHost(
                        cfg.postgres.externalHost,
                        cfg.postgres.database,
                        cfg.postgres.username,
                    ),
        },
        workloads: {
            provider: p.provider,
            namespace: p.namespace.metadata.name,
            kafkaBootstrapServers: p.bootstrapServers,
            kafkaClient: p.kafkaClient,
            hadoopConfigMapName: p.hdfs?.configMapName,
            postgres: p.postgres
                ? {
                      jdbcUrl: p.postgres.jdbcUrl,
                      username: p.postgres.username,
                      passwordSecretName: p.postgres.passwordSecretName,
                      resource: p.postgres,
                  }
                : externalPostgresClient(cfg, p.externalPostgresSecret),
            images: { flume: p.images.flume, sqoop: p.images.sqoop },
            sqoopSchedule: cfg.sqoop.schedule,
            flumeHttpNodePort: cfg.flume.httpNodePort,
        },
        replicationFactor: p.replicationFactor,
        brokers: p.kafka ? cfg.kafka.replicas : undefined,
        hdfsAdminUser: cfg.hdfs.adminUser,
        dependsOn: [p.connect, ...[p.kafka, p.hdfs, p.ksqldb].flatMap((r) => (r ? [r] : []))],
    };
}

/** Endpoints of a pipelines-only stack (`kubernetes.enabled: false`): the services it brings. */
export function externalEndpoints(cfg: PlatformConfig): Endpoints {
    return {
        host: {
            kafka: cfg.kafka.hostBootstrapServers ?? cfg.kafka.externalBootstrapServers,
            connect: cfg.connect.url,
            ksqldb: cfg.ksqldb.url,
            webhdfs: cfg.hdfs.webhdfsUrl,
            httpfs: cfg.hdfs.httpfsUrl,
            postgres: hostPostgresEndpoint(cfg, false),
            hints: endpointHints(cfg, false),
        },
        cluster: {
            kafka: cfg.kafka.externalBootstrapServers,
            hdfsRpc: cfg.hdfs.rpcUrl,
            postgres:
                cfg.postgres.externalHost === undefined
                    ? undefined
                    : parsePostgresHost(
                          cfg.postgres.externalHost,
                          cfg.postgres.database,
                          cfg.postgres.username,
                      ),
        },
        replicationFactor: cfg.kafka.defaultReplicationFactor ?? Math.min(3, cfg.kafka.replicas),
        hdfsAdminUser: cfg.hdfs.adminUser,
        dependsOn: [],
    };
}

/** In-cluster clients of a bring-your-own Postgres (`postgres.externalHost`), for the Sqoop job. */
function externalPostgresClient(
    cfg: PlatformConfig,
    secret: k8s.core.v1.Secret | undefined,
): NonNullable<WorkloadContext["postgres"]> | undefined {
    const hostPort = cfg.postgres.externalHost;
    if (hostPort === undefined || secret === undefined) return undefined;
    const [, host, port] = /^(.*?)(?::(\d+))?$/.exec(hostPort)!;
    return {
        jdbcUrl: `jdbc:postgresql://${host}:${port ?? "5432"}/${cfg.postgres.database}`,
        username: cfg.postgres.username,
        passwordSecretName: secret.metadata.name,
        resource: secret,
    };
}
