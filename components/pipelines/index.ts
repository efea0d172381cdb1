/**
 * The pipelines a stack switches on, each a component owning its topics, directories and
 * connectors, all declared against one {@link Endpoints} value. Every name they would declare is
 * checked first (see `plan.ts`): a clash fails before any resource is registered.
 */
import { ConfigError } from "../../config";
import type { Endpoints } from "../endpoints";
import { CarsToHdfs, carsToHdfsPlan } from "./carsToHdfs";
import { CustomPipeline, customPlan, type CustomPipelineArgs } from "./custom";
import type { Pipeline } from "./pipeline";
import { validatePlans, type PipelinePlan } from "./plan";
import { PowerGrid, powerGridPlan } from "./powerGrid";
import { SalesToHdfs, salesToHdfsPlan } from "./salesToHdfs";
import type { PipelinesSettings } from "./settings";
import { UsersCdc, usersCdcPlan } from "./usersCdc";
import { UsersToS3, usersToS3Plan } from "./usersToS3";

export * from "./carsToHdfs";
export * from "./custom";
export * from "./pipeline";
export * from "./plan";
export * from "./powerGrid";
export * from "./salesToHdfs";
export * from "./sensorRouting";
export * from "./settings";
export * from "./sinks";
export * from "./usersCdc";
export * from "./usersToS3";

/** The declared pipelines by config name; a pipeline switched off is absent. */
export interface DeclaredPipelines {
    readonly salesToHdfs?: SalesToHdfs;
    readonly usersToS3?: UsersToS3;
    readonly carsToHdfs?: CarsToHdfs;
    readonly powerGrid?: PowerGrid;
    readonly usersCdc?: UsersCdc;
    readonly custom?: CustomPipeline;
}

/** The plans of every pipeline `settings` switches on, seed pipelines first, then the stack's lists. */
export function pipelinePlans(settings: PipelinesSettings, endpoints: Endpoints): PipelinePlan[] {
    if (!settings.enabled) return [];
    const s = settings;
    return [
        ...(s.salesToHdfs.enabled ? [salesToHdfsPlan()] : []),
        ...(s.usersToS3.enabled ? [usersToS3Plan(endpoints)] : []),
        ...(s.carsToHdfs.enabled ? [carsToHdfsPlan()] : []),
        ...(s.powerGrid.enabled ? [powerGridPlan(s.powerGrid.sensors)] : []),
        ...(s.usersCdc.enabled ? [usersCdcPlan(s.usersCdc, endpoints)] : []),
        customPlan(s),
    ];
}

/**
 * Declares every pipeline `settings` switches on. Throws one {@link ConfigError} listing every
 * clash (topics, connectors, directories, sensor ids, replication factors) before registering
 * anything.
 */
export function declarePipelines(
    settings: PipelinesSettings,
    endpoints: Endpoints,
    connectorSecrets: CustomPipelineArgs["connectorSecrets"] = {},
): DeclaredPipelines {
    if (!settings.enabled) return {};
    const problems = validatePlans(pipelinePlans(settings, endpoints), endpoints.brokers);
    if (problems.length > 0) throw new ConfigError(problems);
    const base = {
        endpoints,
        retainTopicsOnDelete: settings.retainTopicsOnDelete,
        deleteDataOnDestroy: settings.deleteDataOnDestroy,
        sinkConfig: settings.sinkConfig,
    };
    const salesToHdfs = settings.salesToHdfs.enabled
        ? new SalesToHdfs("sales-to-hdfs", { ...base, settings: settings.salesToHdfs })
        : undefined;
    const usersToS3 = settings.usersToS3.enabled
        ? new UsersToS3("users-to-s3", { ...base, settings: settings.usersToS3 })
        : undefined;
    const carsToHdfs = settings.carsToHdfs.enabled
        ? new CarsToHdfs("cars-to-hdfs", base)
        : undefined;
    const powerGrid = settings.powerGrid.enabled
        ? new PowerGrid("power-grid", { ...base, sensors: settings.powerGrid.sensors })
        : undefined;
    const usersCdc = settings.usersCdc.enabled
        ? new UsersCdc("users-cdc", { ...base, settings: settings.usersCdc })
        : undefined;
    const seeds: Pipeline[] = [salesToHdfs, usersToS3, carsToHdfs, powerGrid, usersCdc].flatMap(
        (p) => (p ? [p] : []),
    );
    const custom =
        settings.topics.length + settings.directories.length + settings.connectors.length > 0
            ? new CustomPipeline("custom", {
                  ...base,
                  topics: settings.topics,
                  directories: settings.directories,
                  connectors: settings.connectors,
                  connectorSecrets,
                  // User connectors may read any seed topic: they wait for every pipeline.
                  after: seeds,
              })
            : undefined;
    return { salesToHdfs, usersToS3, carsToHdfs, powerGrid, usersCdc, custom };
}

/** Every pipeline that was declared. */
export function allPipelines(p: DeclaredPipelines): Pipeline[] {
    return [p.salesToHdfs, p.usersToS3, p.carsToHdfs, p.powerGrid, p.usersCdc, p.custom].flatMap(
        (x) => (x ? [x] : []),
    );
}
