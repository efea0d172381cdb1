/**
 * The pipelines a stack switches on, each a component owning its topics, directories and
 * connectors, all declared against one {@link Endpoints} value.
 */
import type { Endpoints } from "../endpoints";
import { CarsToHdfs } from "./carsToHdfs";
import { CustomPipeline } from "./custom";
import type { Pipeline } from "./pipeline";
import { PowerGrid } from "./powerGrid";
import type { PipelinesSettings } from "./settings";

export * from "./carsToHdfs";
export * from "./custom";
export * from "./pipeline";
export * from "./powerGrid";
export * from "./sensorRouting";
export * from "./settings";
export * from "./sinks";

/** The declared pipelines by config name; a pipeline switched off is absent. */
export interface DeclaredPipelines {
    readonly carsToHdfs?: CarsToHdfs;
    readonly powerGrid?: PowerGrid;
    readonly custom?: CustomPipeline;
}

/** Declares every pipeline `settings` switches on. */
export function declarePipelines(
    settings: PipelinesSettings,
    endpoints: Endpoints,
): DeclaredPipelines {
    if (!settings.enabled) return {};
    const base = {
        endpoints,
        retainTopicsOnDelete: settings.retainTopicsOnDelete,
        sinkConfig: settings.sinkConfig,
    };
    const carsToHdfs = settings.carsToHdfs.enabled
        ? new CarsToHdfs("cars-to-hdfs", base)
        : undefined;
    const powerGrid = settings.powerGrid.enabled
        ? new PowerGrid("power-grid", { ...base, sensors: settings.powerGrid.sensors })
        : undefined;
    const seeds: Pipeline[] = [carsToHdfs, powerGrid].flatMap((p) => (p ? [p] : []));
    const custom =
        settings.topics.length + settings.directories.length + settings.connectors.length > 0
            ? new CustomPipeline("custom", {
                  ...base,
                  topics: settings.topics,
                  directories: settings.directories,
                  connectors: settings.connectors,
                  // User connectors may read any seed topic: they wait for every pipeline.
                  after: seeds,
              })
            : undefined;
    return { carsToHdfs, powerGrid, custom };
}

/** Every pipeline that was declared. */
export function allPipelines(p: DeclaredPipelines): Pipeline[] {
    return [p.carsToHdfs, p.powerGrid, p.custom].flatMap((x) => (x ? [x] : []));
}
