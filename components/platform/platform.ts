import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { PlatformConfig } from "../../config";
import { Console } from "./console";
import { DataLakeBucket } from "./dataLakeBucket";
import { Hdfs } from "./hdfs";
import { WorkloadImages } from "./images";
import { KAFKA_SASL_MECHANISM, Kafka, type KafkaClientRole, mirrored } from "./kafka";
import { CONNECT_ADMIN_USER, KafkaConnect } from "./kafkaConnect";
import { KsqlDb } from "./ksqlDb";
import {
    KAFKA_PORTS,
    NetworkPolicies,
    kafkaNetworkPolicyValues,
    operatorSource,
    platformNetworkArgs,
} from "./networkPolicies";
import { kubernetesProvider } from "./kubernetesProvider";
import { Postgres } from "./postgres";

/**
 * Deploys the platform's services into the stack's cluster, in dependency order: namespace,
 * Kafka, Postgres, HDFS, the data lake, Connect, ksqlDB, the console and the Flume/Sqoop images. Services the stack brings
 * itself (`kafka.externalBootstrapServers`, `postgres.externalHost`) are skipped. Returns the
 * components, so index.ts can wire the pipelines and export the endpoints.
 */
export function deployPlatform(cfg: PlatformConfig) {
    // Never the ambient default provider: the context is explicit, and the identifier keeps a
    // re-created kind cluster from replacing every object. Declared state wins over edits made
    // out of band (see kubernetesProvider).
    const provider = kubernetesProvider("k8s", {
        context: cfg.kubernetes.context,
        kubeconfig: cfg.kubernetes.kubeconfig,
        clusterIdentifier: cfg.kubernetes.clusterIdentifier,
    });
    const opts = { provider };
    const stateful = { provider, protect: cfg.protect };

    const namespace = new k8s.core.v1.Namespace(
        "namespace",
        {
            metadata: {
                name: cfg.kubernetes.namespace,
                labels: {
                    "app.kubernetes.io/part-of": "ingest-platform",
                    // Pod Security Admission rejects any pod that fails the "restricted" profile.
                    "pod-security.kubernetes.io/enforce": "restricted",
                    "pod-security.kubernetes.io/enforce-version": "latest",
                    "pod-security.kubernetes.io/warn": "restricted",
                    "pod-security.kubernetes.io/audit": "restricted",
                },
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
                      chart: cfg.kafka.chart,
                      chartRepository: cfg.kafka.chartRepository,
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
                      // `kafka.imageRegistry`: one mirror for every image the chart runs.
                      images: {
                          kafka: mirrored(cfg.kafka.image, cfg.kafka.imageRegistry),
                          osShell: mirrored(cfg.kafka.osShellImage, cfg.kafka.imageRegistry),
                          kubectl: mirrored(cfg.kafka.kubectlImage, cfg.kafka.imageRegistry),
                          jmxExporter: mirrored(
                              cfg.kafka.jmxExporterImage,
                              cfg.kafka.imageRegistry,
                          ),
                      },
                      allowInsecureImages: cfg.kafka.allowInsecureImages,
                      metrics: cfg.kafka.metrics,
                      externalNodePort: cfg.kafka.externalNodePort,
                      externalHost: cfg.kafka.externalHost,
                      networkPolicy: kafkaNetworkPolicyValues(operatorSource(cfg), [
                          KAFKA_PORTS.client,
                          ...(cfg.kafka.externalNodePort === undefined
                              ? []
                              : [KAFKA_PORTS.external]),
                      ]),
                  },
                  { ...stateful, dependsOn: [namespace] },
              )
            : undefined;
    const bootstrapServers =
        kafka?.bootstrapServers ?? pulumi.output(cfg.kafka.externalBootstrapServers!);
    /** How the in-cluster client `role` authenticates: its own user, password and the CA. */
    const clientOf = (role: KafkaClientRole) => {
        const user = kafka?.users?.[role];
        return {
            securityProtocol: kafka?.securityProtocol ?? "PLAINTEXT",
            saslUser: user?.username,
            saslMechanism: user ? KAFKA_SASL_MECHANISM : undefined,
            saslPassword: user?.password,
            kafkaCaConfigMapName: kafka?.caConfigMapName,
        };
    };
    // The Flume agents (declared by the pipelines) read the flume user's password from its Secret.
    const flumeUser = kafka?.users?.flume;
    const kafkaClient = {
        securityProtocol: kafka?.securityProtocol ?? "PLAINTEXT",
        saslUser: flumeUser?.username,
        saslMechanism: flumeUser ? KAFKA_SASL_MECHANISM : undefined,
        saslSecretName: flumeUser?.secretName,
        saslSecretKey: flumeUser ? "password" : undefined,
        kafkaCaConfigMapName: kafka?.caConfigMapName,
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
                      // Seed 004: the JDBC sink's database, and the WAL Debezium decodes.
                      extraDatabases: cfg.pipelines.usersCdc.enabled
                          ? [cfg.pipelines.usersCdc.sinkDatabase]
                          : [],
                      logicalDecoding:
                          cfg.pipelines.usersCdc.enabled &&
                          cfg.pipelines.usersCdc.mode === "debezium",
                  },
                  { ...stateful, dependsOn: [namespace] },
              )
            : undefined;

    // Bring-your-own Postgres: the in-cluster Sqoop job still reads the password from a Secret
    // (postgresPassword is required with postgres.externalHost), never from its pod spec.
    const externalPostgresSecret =
        cfg.postgres.externalHost === undefined
            ? undefined
            : new k8s.core.v1.Secret(
                  "postgres-external",
                  { metadata: { namespace: ns }, stringData: { password: postgresPassword } },
                  { ...opts, dependsOn: [namespace] },
              );

    const hdfs = cfg.hdfs.enabled
        ? new Hdfs(
              "hdfs",
              {
                  namespace: ns,
                  image: cfg.hdfs.image,
                  buildRegistry: cfg.hdfs.buildRegistry,
                  datanodes: cfg.hdfs.datanodes,
                  namenodeStorage: cfg.hdfs.namenodeStorage.size,
                  datanodeStorage: cfg.hdfs.datanodeStorage.size,
                  storageClass: cfg.hdfs.datanodeStorage.storageClass,
                  namenodeResources: cfg.hdfs.namenodeResources,
                  datanodeResources: cfg.hdfs.datanodeResources,
                  webhdfsNodePort: cfg.hdfs.webhdfsNodePort,
                  httpfsNodePort: cfg.hdfs.httpfsNodePort,
                  hostAddress: "localhost",
                  pvcRetention: cfg.hdfs.retainVolumes
                      ? { whenDeleted: "Retain", whenScaled: "Retain" }
                      : { whenDeleted: "Delete", whenScaled: "Delete" },
              },
              { ...stateful, dependsOn: [namespace] },
          )
        : undefined;
    // Unset and without a NodePort = the in-cluster URL: `pulumi up` runs inside the cluster.
    const webhdfsHostUrl = cfg.hdfs.webhdfsUrl ?? hdfs?.hostWebhdfsUrl ?? hdfs?.webhdfsUrl;

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
                                    // LocalStack-style stores accept any key; real AWS never takes this branch.
                                    accessKey: "test",
                                    secretKey: pulumi.secret("test"),
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
            ...clientOf("connect"),
            image: cfg.connect.image,
            buildRegistry: cfg.connect.buildRegistry,
            replicas: cfg.connect.replicas,
            groupId: cfg.connect.groupId,
            replicationFactor,
            nodePort: cfg.connect.nodePort,
            resources: cfg.connect.resources,
            hadoopConfigMapName: hdfs?.configMapName,
            postgresPasswordSecretName: postgres?.passwordSecretName,
            awsCredentialsSecretName: dataLake?.secretName,
            basicAuth: cfg.connect.basicAuth,
        },
        { ...opts, dependsOn: kafka ? [kafka] : [namespace] },
    );

    const ksqldb = cfg.ksqldb.enabled
        ? new KsqlDb(
              "ksqldb",
              {
                  namespace: ns,
                  bootstrapServers,
                  ...clientOf("ksqldb"),
                  image: cfg.ksqldb.image,
                  cliImage: cfg.ksqldb.cliImage,
                  cli: cfg.ksqldb.cli,
                  serviceId: cfg.ksqldb.serviceId,
                  basicAuth: cfg.ksqldb.basicAuth,
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
                  connectAuth: connect.restAuthSecretName && {
                      username: CONNECT_ADMIN_USER,
                      passwordSecretName: connect.restAuthSecretName,
                  },
                  ...clientOf("console"),
                  image: cfg.console.image,
                  nodePort: cfg.console.nodePort,
                  resources: cfg.console.resources,
              },
              { ...opts, dependsOn: [connect] },
          )
        : undefined;

    // Built once for every pipeline that starts a Flume agent or a Sqoop job.
    const images = new WorkloadImages(
        "images",
        {
            flume: cfg.flume.enabled ? cfg.flume : undefined,
            sqoop: cfg.sqoop.enabled ? cfg.sqoop : undefined,
        },
        { dependsOn: [namespace] },
    );

    if (cfg.network.policies) {
        new NetworkPolicies(
            "network",
            platformNetworkArgs(cfg, ns, {
                kafka: kafka !== undefined,
                ksqldb: ksqldb !== undefined,
                ksqldbCli: ksqldb !== undefined && cfg.ksqldb.cli,
                console: console !== undefined,
                postgres: postgres !== undefined,
                hdfs: hdfs !== undefined,
            }),
            { provider, dependsOn: [namespace] },
        );
    }

    /**
     * URL the machine running `pulumi` uses: the configured one, else the kind NodePort mapping,
     * else the in-cluster URL (prod runs `pulumi up` inside the cluster, see README "Security").
     */
    const hostUrl = (
        url: string | undefined,
        nodePort: number | undefined,
        inCluster: pulumi.Output<string>,
    ) => url ?? (nodePort === undefined ? inCluster : `http://localhost:${nodePort}`);
    return {
        provider,
        namespace,
        kafka,
        bootstrapServers,
        kafkaClient,
        replicationFactor,
        postgres,
        externalPostgresSecret,
        hdfs,
        webhdfsHostUrl,
        dataLake,
        connect,
        ksqldb,
        console,
        images,
        connectHostUrl: hostUrl(cfg.connect.url, cfg.connect.nodePort, connect.url),
        // A stack may bring its own ksqlDB (`ksqldb.enabled: false` with `ksqldb.url`).
        ksqldbHostUrl: ksqldb
            ? hostUrl(cfg.ksqldb.url, cfg.ksqldb.nodePort, ksqldb.url)
            : cfg.ksqldb.url,
        consoleHostUrl: console ? hostUrl(undefined, cfg.console.nodePort, console.url) : undefined,
        kafkaHostBootstrapServers:
            cfg.kafka.hostBootstrapServers ??
            kafka?.hostBootstrapServers ??
            kafka?.bootstrapServers,
    };
}

/** What {@link deployPlatform} created. */
export type Platform = ReturnType<typeof deployPlatform>;
