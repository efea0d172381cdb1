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
import { loadConfig } from "./config";

const cfg = loadConfig();
const platform = cfg.kubernetes.enabled ? deployPlatform(cfg) : undefined;
const endpoints = platform ? platformEndpoints(cfg, platform) : externalEndpoints(cfg);
const pipelines = declarePipelines(cfg.pipelines, endpoints, cfg.connectorSecrets);
const declared = allPipelines(pipelines);

const ns = platform?.namespace.metadata.name;
const postgres = platform?.postgres;
export const namespaceName = ns;
export const kafkaBootstrapServers = endpoints.cluster.kafka;
export const kafkaHostBootstrapServers = endpoints.host.kafka;
export const kafkaSecurityProtocol = platform?.kafkaClient.securityProtocol;
export const connectUrl = platform?.connect.url;
export const connectHostUrl = endpoints.host.connect;
export const connectImage = platform?.connect.image;
export const ksqldbUrl = platform?.ksqldb?.url;
export const ksqldbHostUrl = endpoints.host.ksqldb;
export const hdfsRpcUrl = endpoints.cluster.hdfsRpc;
export const webhdfsUrl = platform?.hdfs?.webhdfsUrl;
export const webhdfsHost = endpoints.host.webhdfs;
export const hdfsDirectoryPaths = declared.flatMap((p) => Object.keys(p.directories));
export const kafkaTopics = declared.flatMap((p) => Object.keys(p.topics));
export const pipelineConnectors = [
    ...declared.flatMap((p) => Object.keys(p.connectors)),
    ...Object.values(pipelines.powerGrid?.sensorRouting?.sinkConnectors ?? {}).map((c) => c.name),
];
export const enabledPipelines = Object.entries(pipelines).flatMap(([k, v]) => (v ? [k] : []));
export const dataLakeBucketName = platform?.dataLake?.bucketName;
export const dataLakeCredentialsSecret = platform?.dataLake?.secretName;
export const flumeAgents = [pipelines.carsToHdfs?.flume, pipelines.powerGrid?.flume].flatMap((f) =>
    f ? Object.keys(f.deploymentNames) : [],
);
export const sqoopEnabled = pipelines.powerGrid?.sqoop !== undefined;
export const postgresJdbcUrl = postgres?.jdbcUrl;
export const postgresPasswordSecret = postgres?.passwordSecretName;
export const consoleUrl = platform?.console?.url;
export const consoleHostUrl = platform?.consoleHostUrl;
export const commands = {
    connectors: connectHostUrl
        ? pulumi.interpolate`curl -s ${connectHostUrl}/connectors?expand=status`
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
};
