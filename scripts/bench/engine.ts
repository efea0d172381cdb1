/**
 * Connector figures through the real Pulumi engine (the CLI `npm run engine:build` builds): an
 * inline program of N `KafkaConnector` FileStreamSinks on a fresh stack, timed over `up` (create),
 * a no-op `preview`, a no-op `refresh`, `up` with the `file` of every connector changed (update)
 * and `destroy`, at the CLI's default parallelism; beside raw REST doing the same work
 * (connectors.ts's raw lifecycle: 16 PUTs at once and wait until RUNNING, and so on).
 *
 * Every step is checked against its change summary (N creates, nothing on preview and refresh, N
 * updates, N deletes), so a figure is never that of a step that did something else.
 *
 * The same steps run on N resources of a no-op dynamic provider (noopProvider.ts) with the
 * connectors' inputs and the same thin serialized provider: the engine's own cost for N dynamic
 * resources, printed as the floor under the connector figures.
 *
 * The stack's work directory is a temporary directory linking the project's `connectors/`,
 * `scripts/` and `node_modules/`: Pulumi starts the dynamic-provider host there, and the thin
 * serialized providers (connectors/providerRef.ts) find their implementation modules from its cwd.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Stack } from "@pulumi/pulumi/automation";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliEnv, engineStack } from "../engine/stack";
import { pulumiCliVersion, pulumiSpec, repoRoot, toolBin } from "../engine/tools";
import { KafkaConnector } from "../../connectors/kafkaConnector/resource";
import { providerRef } from "../../connectors/providerRef";
import { runLifecycle, sinkConfig, type Phase, type PhaseSeconds } from "./connectors";
import { withTopic } from "./producer";
import { fmtSummary, ratioLine, rotation, summarize } from "./stats";

/** The engine steps, each timed in seconds. */
export const ENGINE_STEPS = ["create", "preview", "refresh", "update", "destroy"] as const;
export type EngineStep = (typeof ENGINE_STEPS)[number];
export type EngineSeconds = Record<EngineStep, number>;

/** The raw REST phase each engine step is compared with (a no-op preview has none). */
export const RAW_BASELINE: Readonly<Record<EngineStep, Phase | undefined>> = {
    create: "create",
    preview: undefined,
    refresh: "read",
    update: "update",
    destroy: "delete",
};

/** The issue's bound on a no-op preview or refresh of 100 connectors, in seconds. */
export const NOOP_TARGET_SECONDS = 10;

/** Why the engine section cannot run here, or undefined when the CLI is built. */
export function engineMissing(): string | undefined {
    const cli = join(toolBin(pulumiSpec), "pulumi");
    return existsSync(cli)
        ? undefined
        : `Pulumi CLI ${pulumiCliVersion} not built (no ${cli}): run \`npm run engine:build\``;
}

/**
 * The report lines of one N: each step's min/median/max beside its raw baseline and a
 * `ratio engine-<step>: x` line (the no-op preview and refresh also against the 10 s bound).
 */
export function engineReport(
    n: number,
    engine: readonly EngineSeconds[],
    raw: readonly PhaseSeconds[],
): string[] {
    const lines = [
        `# engine N=${n}: pulumi ${pulumiCliVersion} up/preview/refresh/up/destroy (default parallelism) vs raw REST (16 at once), seconds min/median/max of ${engine.length}`,
    ];
    for (const step of ENGINE_STEPS) {
        const e = summarize(engine.map((s) => s[step]));
        const base = RAW_BASELINE[step];
        const r = base === undefined ? undefined : summarize(raw.map((s) => s[base]));
        const noop = step === "preview" || step === "refresh";
        lines.push(
            `engine-${step.padEnd(7)} N=${String(n).padEnd(3)} engine ${fmtSummary(e, "s").padEnd(22)}` +
                (r ? ` raw ${base} ${fmtSummary(r, "s")}` : "") +
                (noop ? `  (target ≤ ${NOOP_TARGET_SECONDS} s at N=100)` : ""),
        );
        if (r) lines.push(`${ratioLine(`engine-${step}`, e, r)} (N=${n})`);
    }
    return lines;
}

/** Steps of the no-op floor beside the connector steps they underlie. */
const FLOOR_STEPS = ["create", "update", "destroy"] as const;

/**
 * The floor's lines: per step, the engine's time for N no-op dynamic resources, its share of the
 * connector step's median and a `ratio engine-floor-<step>: x` line against the raw baseline.
 */
export function floorReport(
    n: number,
    floor: readonly EngineSeconds[],
    engine: readonly EngineSeconds[],
    raw: readonly PhaseSeconds[],
): string[] {
    const lines = [
        `# engine floor N=${n}: the same steps on ${n} no-op dynamic resources (same inputs, same thin provider): what the engine itself costs, seconds min/median/max of ${floor.length}`,
    ];
    for (const step of FLOOR_STEPS) {
        const f = summarize(floor.map((s) => s[step]));
        const e = summarize(engine.map((s) => s[step]));
        const r = summarize(raw.map((s) => s[RAW_BASELINE[step]!]));
        lines.push(
            `engine-floor-${step.padEnd(7)} N=${String(n).padEnd(3)} floor ${fmtSummary(f, "s").padEnd(22)}` +
                ` = ${((100 * f.median) / e.median).toFixed(0)}% of engine-${step}`,
        );
        lines.push(`${ratioLine(`engine-floor-${step}`, f, r)} (N=${n})`);
    }
    return lines;
}

/**
 * Checks a step's change summary: only `op` (none when undefined), counted `n` times, or `n + 1`
 * when the step also creates or deletes the stack's own root resource.
 */
export function expectChanges(
    step: string,
    summary: Readonly<Record<string, number | undefined>> | undefined,
    op: string | undefined,
    n: number,
): void {
    const seen = Object.entries(summary ?? {}).filter(([o, k]) => o !== "same" && (k ?? 0) > 0);
    const text = seen.map(([o, k]) => `${o}=${k}`).join(", ") || "none";
    const count = seen.find(([o]) => o === op)?.[1] ?? 0;
    const ok =
        op === undefined
            ? seen.length === 0
            : seen.length === 1 && (count === n || count === n + 1);
    if (!ok) {
        throw new Error(
            `engine ${step}: changes ${text}, expected ${op === undefined ? "none" : `${op}=${n}`}`,
        );
    }
}

/** A dynamic resource of the no-op provider. */
class BenchNoop extends pulumi.dynamic.Resource {
    constructor(name: string, args: Record<string, unknown>) {
        super(
            providerRef("scripts/bench/noopProvider", "noopProvider"),
            name,
            args,
            {},
            "ingest",
            "BenchNoop",
        );
    }
}

/** What a bench stack declares: N connectors, or N no-op resources with the same inputs. */
export type EngineFleet = "connectors" | "floor";

/** A stack in a temporary work directory and file:// backend, reused by every repetition. */
export interface EngineBench {
    run(prefix: string, n: number, topic: string, kind?: EngineFleet): Promise<EngineSeconds>;
    close(): Promise<void>;
}

export async function engineBench(connectUrl: string): Promise<EngineBench> {
    const work = mkdtempSync(join(tmpdir(), "bench-engine-"));
    const project = join(work, "project");
    mkdirSync(join(work, "state"));
    mkdirSync(project);
    for (const dir of ["connectors", "scripts", "node_modules"]) {
        symlinkSync(join(repoRoot, dir), join(project, dir));
    }
    let fleet:
        | { names: string[]; topic: string; dir: string; version: number; kind: EngineFleet }
        | undefined;
    const program = () => {
        for (const name of fleet?.names ?? []) {
            const args = {
                connectUrl,
                name,
                config: sinkConfig(
                    fleet!.topic,
                    join(fleet!.dir, `${name}.v${fleet!.version}.txt`),
                ),
            };
            if (fleet!.kind === "connectors") new KafkaConnector(name, args);
            else new BenchNoop(name, args);
        }
        return Promise.resolve({});
    };
    const stack: Stack = await engineStack({
        stackName: "bench",
        projectName: "bench-engine",
        program,
        workDir: project,
        env: cliEnv(join(work, "state"), true),
    });
    const quiet = { onOutput: () => undefined };
    const timedStep = async <T>(fn: () => Promise<T>): Promise<[number, T]> => {
        const t = process.hrtime.bigint();
        const r = await fn();
        return [Number(process.hrtime.bigint() - t) / 1e9, r];
    };
    return {
        async run(prefix, n, topic, kind = "connectors") {
            const dir = mkdtempSync(join(tmpdir(), `bench-${prefix}-`));
            fleet = {
                names: Array.from({ length: n }, (_, i) => `${prefix}-${i}`),
                topic,
                dir,
                version: 1,
                kind,
            };
            try {
                const [create, up] = await timedStep(() => stack.up(quiet));
                expectChanges("up (create)", up.summary.resourceChanges, "create", n);
                const [preview, pr] = await timedStep(() => stack.preview());
                expectChanges("preview", pr.changeSummary, undefined, 0);
                const [refresh, rf] = await timedStep(() => stack.refresh(quiet));
                expectChanges("refresh", rf.summary.resourceChanges, undefined, 0);
                fleet.version = 2;
                const [update, upd] = await timedStep(() => stack.up(quiet));
                expectChanges("up (update)", upd.summary.resourceChanges, "update", n);
                const [destroy, ds] = await timedStep(() => stack.destroy(quiet));
                expectChanges("destroy", ds.summary.resourceChanges, "delete", n);
                return { create, preview, refresh, update, destroy };
            } finally {
                fleet = undefined;
                rmSync(dir, { recursive: true, force: true });
            }
        },
        async close() {
            // Whatever a failed repetition left: an empty program deletes it.
            await stack.destroy(quiet).catch(() => undefined);
            rmSync(work, { recursive: true, force: true });
        },
    };
}

/**
 * The engine section of `npm run bench`: for each N of `counts`, `reps` repetitions of the engine
 * steps and of the raw lifecycle in alternating order; one line and no figures when the CLI is not
 * built.
 */
export async function benchEngine(
    counts: readonly number[],
    reps: number,
    connectUrl: string,
    bootstrap: string,
): Promise<void> {
    const missing = engineMissing();
    if (missing) {
        console.log(`# engine: skipped — ${missing}`);
        return;
    }
    const topic = `bench-engine-${Date.now().toString(36)}`;
    const bench = await engineBench(connectUrl);
    try {
        await withTopic(bootstrap, "bench-sink", 1, async (sinkTopic) => {
            for (const n of counts) {
                const engine: EngineSeconds[] = [];
                const floor: EngineSeconds[] = [];
                const raw: PhaseSeconds[] = [];
                for (let rep = 0; rep < reps; rep++) {
                    for (const kind of rotation(["engine", "raw", "floor"] as const, rep)) {
                        const prefix = `${topic}-${kind}-${n}-${rep}`;
                        let s: Record<string, number>;
                        if (kind === "engine") {
                            const e = await bench.run(prefix, n, sinkTopic);
                            engine.push(e);
                            s = e;
                        } else if (kind === "floor") {
                            const e = await bench.run(prefix, n, sinkTopic, "floor");
                            floor.push(e);
                            s = e;
                        } else {
                            const r = await runLifecycle("raw", connectUrl, prefix, n, sinkTopic);
                            raw.push(r);
                            s = r;
                        }
                        process.stderr.write(
                            `[bench] engine N=${n} rep ${rep + 1} ${kind}: ${Object.entries(s)
                                .map(([k, v]) => `${k} ${v.toFixed(2)}s`)
                                .join(", ")}\n`,
                        );
                    }
                }
                for (const line of engineReport(n, engine, raw)) console.log(line);
                for (const line of floorReport(n, floor, engine, raw)) console.log(line);
            }
        });
    } finally {
        await bench.close();
    }
}
