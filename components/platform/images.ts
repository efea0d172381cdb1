/**
 * Images of the in-cluster workloads the pipelines start (Flume agents, Sqoop jobs), resolved once
 * for the whole stack: a configured reference, or a build of the Dockerfile beside the component.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { resolveImage, type ImageSource } from "./common";
import { FLUME_VERSION } from "./flume";
import { SQOOP_VERSION } from "./sqoop";

/** Arguments for {@link WorkloadImages}; an unset source means that workload is off. */
export interface WorkloadImagesArgs {
    readonly flume?: ImageSource;
    readonly sqoop?: ImageSource;
}

/** The Flume and Sqoop images the pipelines run. */
export class WorkloadImages extends pulumi.ComponentResource {
    /** Flume image reference; undefined when Flume is off. */
    public readonly flume?: pulumi.Output<string>;
    /** Sqoop image reference; undefined when Sqoop is off. */
    public readonly sqoop?: pulumi.Output<string>;

    constructor(name: string, args: WorkloadImagesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ingest:components:WorkloadImages", name, {}, opts);
        this.flume =
            args.flume &&
            resolveImage(
                "flume",
                args.flume,
                { context: path.join(__dirname, "flume"), repository: "flume", tag: FLUME_VERSION },
                this,
            );
        this.sqoop =
            args.sqoop &&
            resolveImage(
                "sqoop",
                args.sqoop,
                { context: path.join(__dirname, "sqoop"), repository: "sqoop", tag: SQOOP_VERSION },
                this,
            );
        this.registerOutputs({ flume: this.flume, sqoop: this.sqoop });
    }
}
