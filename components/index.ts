/** Platform services, the endpoints they offer, and the pipelines declared against them. */
export * from "./endpoints";
export * from "./pipelines";
export * from "./platform";
