/** The platform's workload components. */
export * from "./common";
export * from "./console";
export * from "./dataLakeBucket";
export * from "./flume";
export * from "./hdfs";
export * from "./kafka";
export * from "./kafkaConnect";
export * from "./ksqlDb";
export * from "./pipelines";
export * from "./platform";
export * from "./postgres";
export * from "./sensorRouting";
export * from "./sqoop";
