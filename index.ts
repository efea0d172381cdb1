/**
 * The ingest platform: one program, one stack per environment. This file only wires: it reads
 * the typed config, deploys the platform (unless the stack brings its own services), declares the
 * pipelines against the endpoints this machine reaches, starts the workloads that feed and drain
 * them, and exports every endpoint with the command that reaches it.
 */
import * as pulumi from "@pulumi/pulumi";
import { Flume, Pipelines, Sqoop, deployPlatform } from "./components";
import { loadConfig } from "./config";

const cfg = loadConfig();
const platform = cfg.kubernetes.enabled ? deployPlatform(cfg) : undefined;
const kafka = platform?.kafka;

const pipelines = cfg.pipelines.enabled
    ? new Pipelines("pipelines", {
          kafkaBootstrapServers:
              platform?.kafkaHostBootstrapServers ??
              cfg.kafka.hostBootstrapServers ??
              cfg.kafka.externalBootstrapServers,
          kafkaSasl: kafka?.clientPassword && {
              username: platform!.kafkaClient.saslUser!,
              password: kafka.clientPassword,
          },
          replicationFactor:
              platform?.replicationFactor ??
              cfg.kafka.defaultReplicationFactor ??
              Math.min(3, cfg.kafka.replicas),
          topics: cfg.pipelines.topics,
          retainTopicsOnDelete: cfg.pipelines.retainTopicsOnDelete,
          webhdfsUrl: platform ? platform.webhdfsHostUrl : cfg.hdfs.webhdfsUrl,
          hdfsAdminUser: cfg.hdfs.adminUser,
          directories: cfg.hdfs.directories,
          connectUrl: platform ? platform.connectHostUrl : cfg.connect.url,
          hdfsRpcUrl: platform?.hdfs?.rpcUrl ?? cfg.hdfs.rpcUrl,
          sinkConfig: cfg.pipelines.sinkConfig,
          ksqlUrl: platform ? platform.ksqldbHostUrl : cfg.ksqldb.url,
          sensors: cfg.pipelines.sensors,
          connectors: cfg.pipelines.connectors,
          platform: platform
              ? [
                    platform.connect,
                    ...[kafka, platform.hdfs, platform.ksqldb].flatMap((r) => (r ? [r] : [])),
                ]
              : [],
      })
    : undefined;
const hdfs = platform?.hdfs;
const pipelineObjects = pipelines ? [pipelines] : [];

// Seed 002: Kafka topic `Cars` → HDFS /Cars; seed 003: text over HTTP → topic UNORGANIZED.
const flume =
    platform && hdfs && cfg.flume.enabled
        ? new Flume(
              "flume",
              {
                  namespace: platform.namespace.metadata.name,
                  image: cfg.flume.image,
                  buildRegistry: cfg.flume.buildRegistry,
                  kafkaBootstrapServers: platform.bootstrapServers,
                  ...platform.kafkaClient,
                  hadoopConfigMapName: hdfs.configMapName,
                  agents: [
                      {
                          name: "cars",
                          source: { type: "kafka", topics: ["Cars"] },
                          channel: { type: "file" },
                          sink: { type: "hdfs", path: "/Cars", rollIntervalSeconds: 30 },
                      },
                      {
                          name: "unorganized",
                          source: { type: "http", port: 8080 },
                          channel: { type: "file" },
                          sink: { type: "kafka", topic: "UNORGANIZED" },
                      },
                  ],
              },
              { provider: platform.provider, dependsOn: [hdfs, ...pipelineObjects] },
          )
        : undefined;

// Seed 003: Postgres `telemetry` → HDFS /old-telemetry, incremental by id.
const postgres = platform?.postgres;
const sqoop =
    platform && hdfs && postgres && cfg.sqoop.enabled
        ? new Sqoop(
              "sqoop",
              {
                  namespace: platform.namespace.metadata.name,
                  image: cfg.sqoop.image,
                  buildRegistry: cfg.sqoop.buildRegistry,
                  jdbcUrl: postgres.jdbcUrl,
                  username: postgres.username,
                  passwordSecretName: postgres.passwordSecretName,
                  hadoopConfigMapName: hdfs.configMapName,
                  targetDir: "/old-telemetry",
                  schedule: cfg.sqoop.schedule,
              },
              { provider: platform.provider, dependsOn: [hdfs, postgres, ...pipelineObjects] },
          )
        : undefined;

const ns = platform?.namespace.metadata.name;
const connectHost = platform ? platform.connectHostUrl : cfg.connect.url;
export const namespaceName = ns;
export const kafkaBootstrapServers = platform?.bootstrapServers;
export const kafkaHostBootstrapServers = platform?.kafkaHostBootstrapServers;
export const kafkaSecurityProtocol = platform?.kafkaClient.securityProtocol;
export const connectUrl = platform?.connect.url;
export const connectHostUrl = connectHost;
export const connectImage = platform?.connect.image;
export const ksqldbUrl = platform?.ksqldb?.url;
export const ksqldbHostUrl = platform ? platform.ksqldbHostUrl : cfg.ksqldb.url;
export const hdfsRpcUrl = hdfs?.rpcUrl ?? cfg.hdfs.rpcUrl;
export const webhdfsUrl = hdfs?.webhdfsUrl;
export const webhdfsHost = platform ? platform.webhdfsHostUrl : cfg.hdfs.webhdfsUrl;
export const hdfsDirectoryPaths = Object.keys(pipelines?.directories ?? {});
export const kafkaTopics = Object.keys(pipelines?.topics ?? {});
export const pipelineConnectors = [
    ...Object.keys(pipelines?.connectors ?? {}),
    ...Object.values(pipelines?.sensorRouting?.sinkConnectors ?? {}).map((c) => c.name),
];
export const dataLakeBucketName = platform?.dataLake?.bucketName;
export const dataLakeCredentialsSecret = platform?.dataLake?.secretName;
export const flumeAgents = flume ? ["cars", "unorganized"] : [];
export const sqoopEnabled = sqoop !== undefined;
export const postgresJdbcUrl = postgres?.jdbcUrl;
export const postgresPasswordSecret = postgres?.passwordSecretName;
export const consoleUrl = platform?.console?.url;
export const consoleHostUrl = platform?.consoleHostUrl;
export const commands = {
    connectors: connectHost ? `curl -s ${connectHost}/connectors?expand=status` : undefined,
    ksql: platform?.ksqldb
        ? pulumi.interpolate`kubectl -n ${ns} exec -it deploy/ksqldb-cli -- ksql ${platform.ksqldb.url}`
        : undefined,
    psql: postgres
        ? pulumi.interpolate`kubectl -n ${ns} exec -it postgres-0 -- psql -U ${postgres.username} -d ${postgres.database}`
        : undefined,
    console: platform?.console
        ? pulumi.interpolate`kubectl -n ${ns} port-forward svc/console 8080:8080  # then open http://localhost:8080`
        : undefined,
};
