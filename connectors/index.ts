/** Dynamic resources that manage the pipeline inside the platform, and their shared HTTP helper. */
export * from "./hdfsDirectory/resource";
export * from "./http";
export * from "./kafkaConnector/resource";
export * from "./kafkaTopic/resource";
export * from "./ksql/resource";
