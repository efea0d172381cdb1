/**
 * What a stack adds beyond the seed pipelines: further topics, HDFS directories and connectors
 * from `pipelines.topics`, `pipelines.directories` and `pipelines.connectors`.
 */
import type * as pulumi from "@pulumi/pulumi";
import { Pipeline, type PipelineArgs } from "./pipeline";
import type { ConnectorSettings, DirectorySettings, TopicSettings } from "./settings";

/** Arguments for {@link CustomPipeline}. */
export interface CustomPipelineArgs extends PipelineArgs {
    readonly topics: readonly TopicSettings[];
    readonly directories: readonly DirectorySettings[];
    readonly connectors: readonly ConnectorSettings[];
    /** Resources the connectors also wait for (e.g. the seed pipelines' topics). */
    readonly after?: pulumi.Resource[];
}

/** The stack's own additions, declared like a pipeline. */
export class CustomPipeline extends Pipeline {
    constructor(name: string, args: CustomPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("CustomPipeline", name, args, opts);
        for (const t of args.topics) this.topic(t);
        for (const d of args.directories) this.directory(d);
        const after = args.after ?? [];
        for (const c of args.connectors) this.connector(`connector-${c.name}`, c, after);
        this.done();
    }
}
