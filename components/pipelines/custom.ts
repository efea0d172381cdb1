/**
 * What a stack adds beyond the seed pipelines: further topics, HDFS directories and connectors
 * from `pipelines.topics`, `pipelines.directories` and `pipelines.connectors`.
 */
import type * as pulumi from "@pulumi/pulumi";
import { Pipeline, type PipelineArgs } from "./pipeline";
import type { PipelinePlan } from "./plan";
import type { ConnectorSettings, DirectorySettings, TopicSettings } from "./settings";

/** Arguments for {@link CustomPipeline}. */
export interface CustomPipelineArgs extends PipelineArgs {
    readonly topics: readonly TopicSettings[];
    readonly directories: readonly DirectorySettings[];
    readonly connectors: readonly ConnectorSettings[];
    /** Resources the connectors also wait for (e.g. the seed pipelines' topics). */
    readonly after?: pulumi.Resource[];
    /** Secret config by connector name (`connectorSecrets`), sent as `sensitiveConfig`. */
    readonly connectorSecrets?: Readonly<Record<string, pulumi.Input<Record<string, string>>>>;
}

/** The names the stack's own lists declare, each keyed by its list entry. */
export function customPlan(
    lists: Pick<CustomPipelineArgs, "topics" | "directories" | "connectors">,
): PipelinePlan {
    return {
        topics: lists.topics.map((t, i) => ({
            name: t.name,
            replicationFactor: t.replicationFactor,
            key: `pipelines.topics[${i}].name`,
            builtIn: false,
        })),
        directories: lists.directories.map((d, i) => ({
            path: d.path,
            owner: d.owner,
            key: `pipelines.directories[${i}].path`,
            builtIn: false,
        })),
        connectors: lists.connectors.map((c, i) => ({
            name: c.name,
            key: `pipelines.connectors[${i}].name`,
            builtIn: false,
        })),
    };
}

/** The stack's own additions, declared like a pipeline. */
export class CustomPipeline extends Pipeline {
    constructor(name: string, args: CustomPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("CustomPipeline", name, args, opts);
        for (const t of args.topics) this.topic(t);
        for (const d of args.directories) this.directory(d);
        const after = args.after ?? [];
        for (const c of args.connectors) {
            const sensitiveConfig = args.connectorSecrets?.[c.name];
            this.connector(`connector-${c.name}`, { ...c, sensitiveConfig }, after);
        }
        this.done();
    }
}
