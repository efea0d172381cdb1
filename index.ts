/**
 * The ingest platform: one program, one stack per environment. This file only wires: it reads
 * the typed config, creates the namespace and the components in dependency order, and exports
 * every endpoint with the command that reaches it.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import {
    Console,
    DataLakeBucket,
    Flume,
    Hdfs,
    KAFKA_CLIENT_USER,
    Kafka,
    KafkaConnect,
    KsqlDb,
    Postgres,
    SensorRouting,
    Sqoop,
} from "./components";
import { loadConfig } from "./config";
import { HdfsDirectory } from "./connectors/hdfsDirectory";
import { KafkaConnector } from "./connectors/kafkaConnector";
import { KafkaTopic } from "./connectors/kafkaTopic";

const cfg = loadConfig();

// Never the ambient default provider: the context is explicit, and the identifier keeps a
// re-created kind cluster from replacing every object.
const provider = new k8s.Provider("k8s", {
    context: cfg.kubernetes.context,
    kubeconfig: cfg.kubernetes.kubeconfig,
    clusterIdentifier: cfg.kubernetes.clusterIdentifier,
    enableServerSideApply: true,
});
const opts = { provider };
const stateful = { provider, protect: cfg.protect };

const namespace = new k8s.core.v1.Namespace(
    "namespace",
    {
        metadata: {
            name: cfg.kubernetes.namespace,
            labels: { "app.kubernetes.io/part-of": "ingest-platform" },
        },
    },
    opts,
);
const ns = namespace.metadata.name;
const brokers = cfg.kafka.externalBootstrapServers === undefined ? cfg.kafka.replicas : 3;
const replicationFactor = cfg.kafka.defaultReplicationFactor ?? Math.min(3, brokers);

const kafka =
    cfg.kafka.externalBootstrapServers === undefined
        ? new Kafka(
              "kafka",
              {
                  namespace: ns,
                  chartVersion: cfg.kafka.chartVersion,
                  replicas: cfg.kafka.replicas,
                  replicationFactor,
                  minInsyncReplicas: cfg.kafka.minInsyncReplicas,
                  clusterId: cfg.kafka.clusterId,
                  seed: `${cfg.project}/${cfg.stack}/kafka`,
                  security: cfg.kafka.security,
                  storageSize: cfg.kafka.storage.size,
                  storageClass: cfg.kafka.storage.storageClass,
                  resources: cfg.kafka.resources,
                  images: {
                      kafka: cfg.kafka.image,
                      osShell: cfg.kafka.osShellImage,
                      kubectl: cfg.kafka.kubectlImage,
                      jmxExporter: cfg.kafka.jmxExporterImage,
                  },
                  allowInsecureImages: cfg.kafka.allowInsecureImages,
                  metrics: cfg.kafka.metrics,
                  externalNodePort: cfg.kafka.externalNodePort,
                  externalHost: cfg.kafka.externalHost,
              },
              { ...stateful, dependsOn: [namespace] },
          )
        : undefined;
const bootstrapServers =
    kafka?.bootstrapServers ?? pulumi.output(cfg.kafka.externalBootstrapServers!);
const kafkaClient = {
    securityProtocol: kafka?.securityProtocol ?? "PLAINTEXT",
    saslUser: kafka?.saslSecretName ? KAFKA_CLIENT_USER : undefined,
    saslSecretName: kafka?.saslSecretName,
};

const postgresPassword =
    cfg.postgresPassword ??
    new random.RandomPassword("postgres-password", { length: 32, special: false }).result;
const postgres =
    cfg.postgres.externalHost === undefined
        ? new Postgres(
              "postgres",
              {
                  namespace: ns,
                  image: cfg.postgres.image,
                  database: cfg.postgres.database,
                  username: cfg.postgres.username,
                  password: postgresPassword,
                  storageSize: cfg.postgres.storage.size,
                  storageClass: cfg.postgres.storage.storageClass,
                  resources: cfg.postgres.resources,
                  nodePort: cfg.postgres.nodePort,
              },
              { ...stateful, dependsOn: [namespace] },
          )
        : undefined;

const hdfs = cfg.hdfs.enabled
    ? new Hdfs(
          "hdfs",
          {
              namespace: ns,
              image: cfg.hdfs.image,
              datanodes: cfg.hdfs.datanodes,
              namenodeStorage: cfg.hdfs.namenodeStorage.size,
              datanodeStorage: cfg.hdfs.datanodeStorage.size,
              storageClass: cfg.hdfs.datanodeStorage.storageClass,
              namenodeResources: cfg.hdfs.namenodeResources,
              datanodeResources: cfg.hdfs.datanodeResources,
              webhdfsNodePort: cfg.hdfs.webhdfsNodePort,
              hostAddress: "localhost",
              pvcRetention: cfg.hdfs.retainVolumes
                  ? { whenDeleted: "Retain", whenScaled: "Retain" }
                  : { whenDeleted: "Delete", whenScaled: "Delete" },
          },
          { ...stateful, dependsOn: [namespace] },
      )
    : undefined;
const webhdfsHostUrl = cfg.hdfs.webhdfsUrl ?? hdfs?.hostWebhdfsUrl;

// The S3 data lake, with the Connect S3 sink's credentials delivered as a Kubernetes Secret.
const dataLake = cfg.dataLake.enabled
    ? new DataLakeBucket(
          "data-lake",
          {
              namespace: ns,
              bucketName: cfg.dataLake.bucketName,
              forceDestroy: cfg.dataLake.forceDestroy,
          },
          {
              protect: cfg.protect,
              dependsOn: [namespace],
              providers: [
                  provider,
                  new aws.Provider("aws", {
                      region: cfg.dataLake.region,
                      ...(cfg.dataLake.endpoint === undefined
                          ? {}
                          : {
                                endpoints: [
                                    {
                                        s3: cfg.dataLake.endpoint,
                                        iam: cfg.dataLake.endpoint,
                                        sts: cfg.dataLake.endpoint,
                                    },
                                ],
                                s3UsePathStyle: true,
                                skipCredentialsValidation: true,
                                skipRequestingAccountId: true,
                            }),
                  }),
              ],
          },
      )
    : undefined;

const connect = new KafkaConnect(
    "connect",
    {
        namespace: ns,
        bootstrapServers,
        ...kafkaClient,
        image: cfg.connect.image,
        buildRegistry: cfg.connect.buildRegistry,
        replicas: cfg.connect.replicas,
        groupId: cfg.connect.groupId,
        replicationFactor,
        nodePort: cfg.connect.nodePort,
        resources: cfg.connect.resources,
        hadoopConfigMapName: hdfs?.configMapName,
        awsCredentialsSecretName: dataLake?.secretName,
    },
    { ...opts, dependsOn: kafka ? [kafka] : [namespace] },
);

// The seed pipelines' HDFS folder layout, declared through WebHDFS from this machine.
const hdfsDirectories =
    hdfs && webhdfsHostUrl
        ? cfg.hdfs.directories.map(
              (d) =>
                  new HdfsDirectory(
                      `hdfs-dir${d.path.replace(/[^A-Za-z0-9]+/g, "-").toLowerCase()}`,
                      {
                          webhdfsUrl: webhdfsHostUrl,
                          path: d.path,
                          permission: d.permission,
                          owner: d.owner,
                          group: d.group,
                          user: cfg.hdfs.adminUser,
                      },
                      { dependsOn: [hdfs] },
                  ),
          )
        : [];

const ksqldb = cfg.ksqldb.enabled
    ? new KsqlDb(
          "ksqldb",
          {
              namespace: ns,
              bootstrapServers,
              ...kafkaClient,
              image: cfg.ksqldb.image,
              cliImage: cfg.ksqldb.cliImage,
              cli: cfg.ksqldb.cli,
              serviceId: cfg.ksqldb.serviceId,
              replicationFactor,
              nodePort: cfg.ksqldb.nodePort,
              resources: cfg.ksqldb.resources,
          },
          { ...opts, dependsOn: kafka ? [kafka] : [namespace] },
      )
    : undefined;

const console = cfg.console.enabled
    ? new Console(
          "console",
          {
              namespace: ns,
              bootstrapServers,
              connectUrl: connect.url,
              ...kafkaClient,
              image: cfg.console.image,
              nodePort: cfg.console.nodePort,
              resources: cfg.console.resources,
          },
          { ...opts, dependsOn: [connect] },
      )
    : undefined;

// The pipelines' topics, declared from this machine (brokers do not auto-create topics).
const kafkaHostBootstrap =
    cfg.kafka.hostBootstrapServers ??
    kafka?.hostBootstrapServers ??
    cfg.kafka.externalBootstrapServers;
const topics: Record<string, KafkaTopic> = {};
if (cfg.pipelines.enabled && kafkaHostBootstrap !== undefined) {
    for (const t of cfg.pipelines.topics) {
        topics[t.name] = new KafkaTopic(
            `topic-${t.name.toLowerCase().replace(/[^a-z0-9-]+/g, "-")}`,
            {
                bootstrapServers: kafkaHostBootstrap,
                name: t.name,
                partitions: t.partitions,
                replicationFactor: t.replicationFactor ?? replicationFactor,
                config: t.config,
                retainOnDelete: cfg.pipelines.retainTopicsOnDelete,
                sasl: kafka?.clientPassword
                    ? {
                          mechanism: "plain",
                          username: KAFKA_CLIENT_USER,
                          password: kafka.clientPassword,
                      }
                    : undefined,
            },
            { dependsOn: kafka ? [kafka] : [] },
        );
    }
}
const topicDeps = (...names: string[]) => names.flatMap((n) => (topics[n] ? [topics[n]] : []));

// Seed 002: Kafka topic `Cars` → HDFS /Cars; seed 003: text over HTTP → topic UNORGANIZED.
const flume =
    cfg.flume.enabled && hdfs
        ? new Flume(
              "flume",
              {
                  namespace: ns,
                  image: cfg.flume.image,
                  buildRegistry: cfg.flume.buildRegistry,
                  kafkaBootstrapServers: bootstrapServers,
                  ...kafkaClient,
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
              {
                  ...opts,
                  dependsOn: [
                      hdfs,
                      ...hdfsDirectories,
                      ...(kafka ? [kafka] : []),
                      ...topicDeps("Cars", "UNORGANIZED"),
                  ],
              },
          )
        : undefined;

// Seed 003: Postgres `telemetry` → HDFS /old-telemetry, incremental by id.
const sqoop =
    cfg.sqoop.enabled && hdfs && postgres
        ? new Sqoop(
              "sqoop",
              {
                  namespace: ns,
                  image: cfg.sqoop.image,
                  buildRegistry: cfg.sqoop.buildRegistry,
                  jdbcUrl: postgres.jdbcUrl,
                  username: postgres.username,
                  passwordSecretName: postgres.passwordSecretName,
                  hadoopConfigMapName: hdfs.configMapName,
                  targetDir: "/old-telemetry",
                  schedule: cfg.sqoop.schedule,
              },
              { ...opts, dependsOn: [hdfs, postgres, ...hdfsDirectories] },
          )
        : undefined;

// The pipeline itself, declared through the REST endpoints reachable from this machine.
const connectHost = hostUrl(cfg.connect.url, cfg.connect.nodePort);
const ksqlHost = ksqldb ? hostUrl(cfg.ksqldb.url, cfg.ksqldb.nodePort) : undefined;
const pipelineReady = cfg.pipelines.enabled && hdfs !== undefined && connectHost !== undefined;
const unorganizedSink = pipelineReady
    ? new KafkaConnector(
          "hdfs-sink-unorganized",
          {
              connectUrl: connectHost,
              config: {
                  "connector.class": "io.confluent.connect.hdfs.HdfsSinkConnector",
                  "tasks.max": "1",
                  topics: "UNORGANIZED",
                  "hdfs.url": hdfs.rpcUrl,
                  "topics.dir": "/unorganized",
                  "flush.size": "1",
                  "rotate.interval.ms": "10000",
                  "format.class": "io.confluent.connect.hdfs.string.StringFormat",
                  "key.converter": "org.apache.kafka.connect.storage.StringConverter",
                  "value.converter": "org.apache.kafka.connect.storage.StringConverter",
                  ...cfg.pipelines.sinkConfig,
              },
          },
          { dependsOn: [connect, ...hdfsDirectories, ...topicDeps("UNORGANIZED")] },
      )
    : undefined;
const sensorRouting =
    pipelineReady && ksqldb && ksqlHost
        ? new SensorRouting(
              "sensor-routing",
              {
                  ksqlUrl: ksqlHost,
                  connectUrl: connectHost,
                  hdfsUrl: hdfs.rpcUrl,
                  sensorIds: cfg.pipelines.sensors,
                  sourceTopic: topics.INGESTION?.name ?? "INGESTION",
                  sinkConfig: cfg.pipelines.sinkConfig,
              },
              { dependsOn: [connect, ksqldb, ...hdfsDirectories, ...topicDeps("INGESTION")] },
          )
        : undefined;

const userConnectors =
    cfg.pipelines.enabled && connectHost !== undefined
        ? cfg.pipelines.connectors.map(
              (c) =>
                  new KafkaConnector(
                      `connector-${c.name}`,
                      { connectUrl: connectHost, name: c.name, config: c.config, state: c.state },
                      { dependsOn: [connect, ...Object.values(topics)] },
                  ),
          )
        : [];

/** URL the machine running `pulumi` uses: the configured one, else the kind NodePort mapping. */
function hostUrl(url: string | undefined, nodePort: number | undefined): string | undefined {
    return url ?? (nodePort === undefined ? undefined : `http://localhost:${nodePort}`);
}

export const namespaceName = ns;
export const kafkaBootstrapServers = bootstrapServers;
export const kafkaHostBootstrapServers = kafka?.hostBootstrapServers;
export const kafkaSecurityProtocol = kafkaClient.securityProtocol;
export const connectUrl = connect.url;
export const connectHostUrl = hostUrl(cfg.connect.url, cfg.connect.nodePort);
export const connectImage = connect.image;
export const ksqldbUrl = ksqldb?.url;
export const ksqldbHostUrl = ksqldb ? hostUrl(cfg.ksqldb.url, cfg.ksqldb.nodePort) : undefined;
export const hdfsRpcUrl = hdfs?.rpcUrl;
export const webhdfsUrl = hdfs?.webhdfsUrl;
export const webhdfsHost = webhdfsHostUrl;
export const hdfsDirectoryPaths = hdfsDirectories.map((d) => d.path);
export const kafkaTopics = Object.keys(topics);
export const dataLakeBucketName = dataLake?.bucketName;
export const dataLakeCredentialsSecret = dataLake?.secretName;
export const flumeAgents = flume ? ["cars", "unorganized"] : [];
export const sqoopEnabled = sqoop !== undefined;
export const pipelineConnectors = [
    ...(unorganizedSink ? [unorganizedSink.id] : []),
    ...userConnectors.map((c) => c.id),
    ...(sensorRouting
        ? Object.values(sensorRouting.sinkConnectors).map((c: KafkaConnector) => c.id)
        : []),
];
export const postgresJdbcUrl = postgres?.jdbcUrl;
export const postgresPasswordSecret = postgres?.passwordSecretName;
export const consoleUrl = console?.url;
export const consoleHostUrl = console ? hostUrl(undefined, cfg.console.nodePort) : undefined;
export const commands = {
    connectors: pulumi.interpolate`curl -s ${connectHostUrl ?? connect.url}/connectors?expand=status`,
    ksql: ksqldb
        ? pulumi.interpolate`kubectl -n ${ns} exec -it deploy/ksqldb-cli -- ksql ${ksqldb.url}`
        : undefined,
    psql: postgres
        ? pulumi.interpolate`kubectl -n ${ns} exec -it postgres-0 -- psql -U ${cfg.postgres.username} -d ${cfg.postgres.database}`
        : undefined,
    console: console
        ? pulumi.interpolate`kubectl -n ${ns} port-forward svc/console ${8080}:8080  # then open http://localhost:8080`
        : undefined,
};
