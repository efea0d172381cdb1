/**
 * The ingest platform: one program, one stack per environment. This file only wires:
 * config → platform → endpoints → pipelines → outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import {
    allPipelines,
    declarePipelines,
    deployPlatform,
    externalEndpoints,
    platformEndpoints,
} from "./components";
import { deployKafkaAccess } from "./components/platform/kafkaAccess";
import { CONNECT_ADMIN_USER } from "./components/platform/kafkaConnect";
import { pipelinePlans } from "./components/pipelines";
import { loadConfig } from "./config";

const cfg = loadConfig();
const platform = cfg.kubernetes.enabled ? deployPlatform(cfg) : undefined;
const endpoints = platform ? platformEndpoints(cfg, platform) : externalEndpoints(cfg);
const pipelines = declarePipelines(cfg.pipelines, endpoints, cfg.connectorSecrets);
const declared = allPipelines(pipelines);
// One Kafka user per client with only its ACLs (security: sasl; see README "Security").
const kafkaAcls =
    platform?.kafka && endpoints.host.kafka !== undefined
        ? deployKafkaAccess({
              kafka: platform.kafka,
              bootstrapServers: endpoints.host.kafka,
              endpointHint: endpoints.host.hints?.kafka,
              connectGroupId: cfg.connect.groupId,
              ksqlServiceId: cfg.ksqldb.serviceId,
              topics: pipelinePlans(cfg.pipelines, endpoints).flatMap((p) =>
                  p.topics.map((t) => t.name),
              ),
          })
        : {};

const ns = platform?.namespace.metadata.name;
const postgres = platform?.postgres;
const connectHostUrl = endpoints.host.connect;
const outputs = {
    namespaceName: ns,
    kafkaBootstrapServers: endpoints.cluster.kafka,
    kafkaHostBootstrapServers: endpoints.host.kafka,
    kafkaSecurityProtocol: platform?.kafkaClient.securityProtocol,
    kafkaAclPrincipals: Object.keys(kafkaAcls).length > 0 ? Object.keys(kafkaAcls) : undefined,
    connectUrl: platform?.connect.url,
    connectHostUrl,
    connectImage: platform?.connect.image,
    ksqldbUrl: platform?.ksqldb?.url,
    ksqldbHostUrl: endpoints.host.ksqldb,
    hdfsRpcUrl: endpoints.cluster.hdfsRpc,
    webhdfsUrl: platform?.hdfs?.webhdfsUrl,
    webhdfsHost: endpoints.host.webhdfs,
    // check-landing reads file contents here (WebHDFS OPEN redirects to unreachable DataNodes).
    httpfsHostUrl: endpoints.host.httpfs,
    hdfsDirectoryPaths: declared.flatMap((p) => Object.keys(p.directories)),
    kafkaTopics: declared.flatMap((p) => Object.keys(p.topics)),
    pipelineConnectors: [
        ...declared.flatMap((p) => Object.keys(p.connectors)),
        ...Object.values(pipelines.powerGrid?.sensorRouting?.sinkConnectors ?? {}).map(
            (c) => c.name,
        ),
    ],
    enabledPipelines: Object.entries(pipelines).flatMap(([k, v]) => (v ? [k] : [])),
    dataLakeBucketName: platform?.dataLake?.bucketName,
    dataLakeCredentialsSecret: platform?.dataLake?.secretName,
    flumeAgents: [pipelines.carsToHdfs?.flume, pipelines.powerGrid?.flume].flatMap((f) =>
        f ? Object.keys(f.deploymentNames) : [],
    ),
    sqoopEnabled: pipelines.powerGrid?.sqoop !== undefined,
    postgresJdbcUrl: postgres?.jdbcUrl,
    // `host:port` for seed-postgres and check-landing's JDBC targets.
    postgresHostEndpoint: endpoints.host.postgres,
    // check-landing's S3 targets: LocalStack on dev, the region's AWS endpoint in prod.
    s3Endpoint: endpoints.host.s3,
    // send-text's target: seed 003's Flume HTTP source.
    flumeHttpHostUrl: pipelines.powerGrid?.unorganizedHostUrl,
    postgresPasswordSecret: postgres?.passwordSecretName,
    consoleUrl: platform?.console?.url,
    consoleHostUrl: platform?.consoleHostUrl,
    commands: {
        // With REST auth (prod) the password is read from its Secret when the command runs, so
        // it never appears in the output.
        connectors: connectHostUrl
            ? platform?.connect.restAuthSecretName
                ? pulumi.interpolate`curl -s -u "${CONNECT_ADMIN_USER}:$(kubectl -n ${ns} get secret ${platform.connect.restAuthSecretName} -o jsonpath='{.data.password}' | base64 -d)" ${connectHostUrl}/connectors?expand=status`
                : pulumi.interpolate`curl -s ${connectHostUrl}/connectors?expand=status`
            : undefined,
        ksql: platform?.ksqldb
            ? pulumi.interpolate`kubectl -n ${ns} exec -it deploy/ksqldb-cli -- ksql ${platform.ksqldb.url}`
            : undefined,
        psql: postgres
            ? pulumi.interpolate`kubectl -n ${ns} exec -it postgres-0 -- psql -U ${postgres.username} -d ${postgres.database}`
            : undefined,
        console: platform?.console
            ? pulumi.interpolate`kubectl -n ${ns} port-forward svc/console 8080:8080  # then open http://localhost:8080`
            : undefined,
    },
};

// The stack outputs, named as above. A part that is switched off has no output at all: Pulumi
// warns on every operation about each top-level output that is `undefined`.
export = Object.fromEntries(
    Object.entries(outputs).filter(([, value]) => value !== undefined),
) as Partial<typeof outputs>;
