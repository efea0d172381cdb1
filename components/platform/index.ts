/** The platform's services, one component per workload, and {@link deployPlatform} wiring them. */
export * from "./common";
export * from "./console";
export * from "./dataLakeBucket";
export * from "./flume";
export * from "./hdfs";
export * from "./images";
export * from "./kafka";
export * from "./kafkaConnect";
export * from "./ksqlDb";
export * from "./kubernetesProvider";
export * from "./platform";
export * from "./postgres";
export * from "./sqoop";
export * from "./networkPolicies";
export * from "./settings";
