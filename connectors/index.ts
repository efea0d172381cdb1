/** Dynamic resources that manage the pipeline inside the platform, and their shared HTTP helper. */
export * from "./http";
export * from "./kafkaConnector";
export * from "./kafkaTopic";
