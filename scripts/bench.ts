/**
 * Benchmarks (`npm run bench`): figures, never pass/fail. Each measurement runs beside its
 * baseline in the same run, in alternating order, and prints min/median/max of the repetitions
 * and the ratio of the medians, so machine speed and background load largely cancel out.
 *
 * 1. State: bytes each dynamic resource writes (its serialized provider and all inputs).
 * 2. Connectors: N connectors created/updated/read/deleted through the `KafkaConnector`
 *    provider's methods at Pulumi's default parallelism vs raw Connect REST calls.
 * 3. Engine: N connectors through the real Pulumi engine (up, no-op preview and refresh, update,
 *    destroy) vs the same raw REST work; skipped with one line when the CLI is not built.
 * 4. Producer: the shared tools producer vs the seeds' produce-then-flush pattern vs Kafka's
 *    `ProducerPerformance`; peak RSS of the shared producer at two record counts.
 *
 * Without KAFKA_BOOTSTRAP and CONNECT_URL in the environment it starts Kafka and Connect with the
 * services harness (scripts/services/run.ts) and runs itself inside it.
 *
 *   npm run bench -- [--n 20,100] [--reps 3] [--records 1000000] [--only state,connectors,engine,producer]
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { PHASES, runLifecycle, type PhaseSeconds } from "./bench/connectors";
import { benchEngine } from "./bench/engine";
import {
    nodeProducer,
    producerPerformance,
    rate,
    withTopic,
    type ProducerRun,
} from "./bench/producer";
import { fmtSummary, ratioLine, rotation, summarize } from "./bench/stats";
import type { StateBytes } from "./bench/stateBytes";

const SECTIONS = ["state", "connectors", "engine", "producer"] as const;
type Section = (typeof SECTIONS)[number];

function intList(v: string): number[] {
    const xs = v.split(",").map((s) => Number(s.trim()));
    if (xs.some((x) => !Number.isInteger(x) || x < 1)) {
        throw new InvalidArgumentError("expected positive integers separated by commas");
    }
    return xs;
}
function positive(v: string): number {
    const x = Number(v);
    if (!Number.isInteger(x) || x < 1)
        throw new InvalidArgumentError("expected a positive integer");
    return x;
}
function sections(v: string): Section[] {
    const xs = v.split(",").map((s) => s.trim());
    const bad = xs.filter((x) => !(SECTIONS as readonly string[]).includes(x));
    if (bad.length > 0) {
        throw new InvalidArgumentError(`unknown ${bad.join(", ")} (known: ${SECTIONS.join(", ")})`);
    }
    return xs as Section[];
}

const program = new Command("bench")
    .description("Figures beside their baselines: state bytes, connector lifecycle, producer")
    .option("--only <sections>", "comma-separated: state, connectors, engine, producer", sections, [
        ...SECTIONS,
    ])
    .option("--n <counts>", "connector counts", intList, [20, 100])
    .option("--engine-n <counts>", "connector counts through the engine", intList, [100])
    .option("--reps <n>", "repetitions of each measurement", positive, 3)
    .option("--records <n>", "records per producer run", positive, 1_000_000)
    .option("--small-records <n>", "records of the smaller run (peak RSS)", positive, 100_000)
    .option("--seed-records <n>", "records of the seed pattern (slow)", positive, 2_000)
    .option("--size <bytes>", "record value size", positive, 1024)
    .option("--partitions <n>", "partitions of the producer topics", positive, 3);

interface Options {
    only: Section[];
    n: number[];
    engineN: number[];
    reps: number;
    records: number;
    smallRecords: number;
    seedRecords: number;
    size: number;
    partitions: number;
}

const MiB = 1024 * 1024;

function child(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
    return new Promise((resolve) => {
        const c = spawn(process.execPath, args, { stdio: "inherit", env });
        c.on("error", () => resolve(127));
        c.on("close", (code) => resolve(code ?? 1));
    });
}

async function benchState(): Promise<void> {
    const out = await new Promise<string>((resolve, reject) => {
        const c = spawn(
            process.execPath,
            ["--import", "tsx", join(__dirname, "bench/stateBytes.ts")],
            {
                stdio: ["ignore", "pipe", "inherit"],
            },
        );
        let s = "";
        c.stdout.on("data", (d: Buffer) => (s += d.toString()));
        c.on("close", (code) =>
            code === 0 ? resolve(s) : reject(new Error(`stateBytes exited ${code}`)),
        );
    });
    const bytes = JSON.parse(out.trim().split("\n").pop() ?? "{}") as StateBytes;
    console.log("# state: bytes per dynamic resource (serialized provider / all inputs)");
    for (const [type, b] of Object.entries(bytes).sort()) {
        console.log(
            `state ${type.padEnd(17)} provider ${(b.provider / 1024).toFixed(1).padStart(6)} KiB   inputs ${(b.inputs / 1024).toFixed(1).padStart(6)} KiB`,
        );
    }
    const kc = bytes.KafkaConnector;
    if (kc) {
        console.log(
            `state 100 connectors: ${((kc.inputs * 100) / MiB).toFixed(2)} MiB of inputs (${((kc.provider * 100) / MiB).toFixed(2)} MiB provider code)`,
        );
    }
}

async function benchConnectors(o: Options, connectUrl: string, bootstrap: string): Promise<void> {
    const topic = `bench-sink-${Date.now().toString(36)}`;
    // FileStreamSink needs its topic; the harness's broker auto-creates it on first metadata.
    await withTopic(bootstrap, "bench-sink", 1, async (sinkTopic) => {
        for (const n of o.n) {
            const samples: Record<"provider" | "raw", PhaseSeconds[]> = { provider: [], raw: [] };
            for (let rep = 0; rep < o.reps; rep++) {
                for (const kind of rotation(["provider", "raw"] as const, rep)) {
                    const s = await runLifecycle(
                        kind,
                        connectUrl,
                        `${topic}-${kind}-${n}-${rep}`,
                        n,
                        sinkTopic,
                    );
                    samples[kind].push(s);
                    process.stderr.write(
                        `[bench] connectors N=${n} rep ${rep + 1} ${kind}: ${PHASES.map((p) => `${p} ${s[p].toFixed(2)}s`).join(", ")}\n`,
                    );
                }
            }
            console.log(
                `# connectors N=${n}: KafkaConnector provider methods (parallelism 8) vs raw REST (16 at once), seconds min/median/max of ${o.reps}`,
            );
            for (const phase of PHASES) {
                const prov = summarize(samples.provider.map((s) => s[phase]));
                const raw = summarize(samples.raw.map((s) => s[phase]));
                console.log(
                    `connectors-${phase.padEnd(6)} N=${String(n).padEnd(3)} provider ${fmtSummary(prov, "s").padEnd(22)} raw ${fmtSummary(raw, "s")}`,
                );
                console.log(`${ratioLine(`connectors-${phase}`, prov, raw)} (N=${n})`);
            }
        }
    });
}

async function benchProducer(o: Options, bootstrap: string): Promise<void> {
    type Kind = "ours" | "seed" | "ProducerPerformance";
    const runs: Record<Kind | "oursSmall", ProducerRun[]> = {
        ours: [],
        seed: [],
        ProducerPerformance: [],
        oursSmall: [],
    };
    const one = (kind: Kind | "oursSmall"): Promise<ProducerRun> =>
        withTopic(bootstrap, `bench-${kind}`, o.partitions, (topic) => {
            switch (kind) {
                case "ours":
                    return nodeProducer("ours", bootstrap, topic, o.records, o.size);
                case "oursSmall":
                    return nodeProducer("ours", bootstrap, topic, o.smallRecords, o.size);
                case "seed":
                    return nodeProducer("seed", bootstrap, topic, o.seedRecords, o.size);
                case "ProducerPerformance":
                    return producerPerformance(bootstrap, topic, o.records, o.size);
            }
        });
    for (let rep = 0; rep < o.reps; rep++) {
        const order = rotation(["ours", "seed", "ProducerPerformance", "oursSmall"] as const, rep);
        for (const kind of order) {
            const r = await one(kind);
            runs[kind].push(r);
            process.stderr.write(
                `[bench] producer rep ${rep + 1} ${kind}: ${Math.round(rate(r))} records/s${r.peakRss ? `, peak RSS ${(r.peakRss / MiB).toFixed(0)} MiB` : ""}\n`,
            );
        }
    }
    const rates = (k: keyof typeof runs) => summarize(runs[k].map(rate));
    const rss = (k: keyof typeof runs) => summarize(runs[k].map((r) => (r.peakRss ?? 0) / MiB));
    console.log(
        `# producer: ${o.size} B records, acks=all, ${o.partitions} partitions, records/s min/median/max of ${o.reps}`,
    );
    console.log(
        `producer shared (${o.records} records)       ${fmtSummary(rates("ours"), "records/s", 0)}`,
    );
    console.log(
        `producer shared (${o.smallRecords} records)        ${fmtSummary(rates("oursSmall"), "records/s", 0)}`,
    );
    console.log(
        `producer seed pattern (${o.seedRecords} records)   ${fmtSummary(rates("seed"), "records/s", 0)}`,
    );
    console.log(
        `producer ProducerPerformance (${o.records})   ${fmtSummary(rates("ProducerPerformance"), "records/s", 0)}`,
    );
    console.log(
        `producer peak RSS at ${o.smallRecords} records: ${fmtSummary(rss("oursSmall"), "MiB", 0)}`,
    );
    console.log(`producer peak RSS at ${o.records} records: ${fmtSummary(rss("ours"), "MiB", 0)}`);
    console.log(ratioLine("producer/seed", rates("ours"), rates("seed")));
    console.log(
        ratioLine("producer/ProducerPerformance", rates("ours"), rates("ProducerPerformance")),
    );
}

async function main(): Promise<number> {
    program.parse();
    const o = program.opts<Options>();
    const needServices = o.only.some((s) => s !== "state");
    const bootstrap = process.env.KAFKA_BOOTSTRAP;
    const connectUrl = process.env.CONNECT_URL;
    if (needServices && (!bootstrap || !connectUrl)) {
        if (process.env.BENCH_UNDER_HARNESS) {
            throw new Error("the services harness gave no KAFKA_BOOTSTRAP / CONNECT_URL");
        }
        process.stderr.write(
            "[bench] no KAFKA_BOOTSTRAP/CONNECT_URL: starting Kafka and Connect with scripts/services/run.ts\n",
        );
        return child(
            [
                "--import",
                "tsx",
                join(__dirname, "services/run.ts"),
                "--",
                process.execPath,
                ...process.execArgv,
                __filename,
                ...process.argv.slice(2),
            ],
            { ...process.env, SERVICES: "kafka,connect", BENCH_UNDER_HARNESS: "1" },
        );
    }
    const t0 = Date.now();
    const run: Record<Section, () => Promise<void>> = {
        state: benchState,
        connectors: () => benchConnectors(o, connectUrl!, bootstrap!),
        engine: () => benchEngine(o.engineN, o.reps, connectUrl!, bootstrap!),
        producer: () => benchProducer(o, bootstrap!),
    };
    // A section that fails is reported and the others still run; the exit status says so.
    let failed = 0;
    for (const section of SECTIONS.filter((s) => o.only.includes(s))) {
        try {
            await run[section]();
        } catch (err) {
            failed++;
            console.log(
                `# ${section}: FAILED — ${err instanceof Error ? err.message : String(err)}`,
            );
            console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
        }
    }
    console.log(`# bench took ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    return failed === 0 ? 0 : 1;
}

main().then(
    (code) => process.exit(code),
    (err: unknown) => {
        console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
        process.exit(1);
    },
);
