/**
 * The dev stack on a real kind cluster through the real engine: `pulumi up` of index.ts (Pulumi
 * CLI and Kubernetes provider from scripts/engine), readiness, the seed pipelines fed with the
 * project's data tools (seed-postgres, car-transactions, send-text) and what landed asserted by
 * `check-landing`, both run as a user runs them (`npm run <tool>` in the project, endpoints from
 * `pulumi stack output --json --stack kind`), a second `up` that changes nothing, `destroy`.
 *
 * Real pods: the HDFS NameNode and DataNode, the Flume agents, the Sqoop Job and a Connect worker
 * (Apache Kafka's runtime). From the stack's external-service config: Kafka and PostgreSQL (the
 * services harness, listening on the host's address on the kind network) and the ksqlDB REST fake.
 * Run by `npm run test:kind` (scripts/kind/suite.ts), which creates the cluster and the services.
 */
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import * as yaml from "js-yaml";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pulumiHome, pulumiSpec, repoRoot, toolBin, toolDir } from "../../scripts/engine/tools";
import { FakeKsqlDb } from "../fakes/ksqldb";
import {
    env,
    kubectl,
    namespace,
    pods,
    project,
    landedLines,
    portForward,
    runTool,
    stackName,
    stackSettings,
} from "./kindStack";
import { imageSourceOf } from "../../scripts/kind/images";
import { changed, timed, timings, until } from "../engine/steps";

/** The real entry point as an inline program (index.ts declares its resources when loaded). */
function realProgram(): () => Promise<Record<string, unknown>> {
    const entry = require.resolve(join(repoRoot, "index.ts"));
    return () => {
        delete require.cache[entry];
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return Promise.resolve({ ...(require(entry) as Record<string, unknown>) });
    };
}

/** `KIND_IMAGES=upstream`: the images and the engine come from registries (CI). */
const upstreamImages = imageSourceOf(process.env.KIND_IMAGES) === "upstream";

/** What the suite feeds: car transactions (seed 002), telemetry rows and text lines (seed 003). */
const CARS = 20;
const TELEMETRY_ROWS = 50;
const TEXT_LINES = ["kind line 1: grid substation 7 offline", "kind line 2: back online"];

function objectConfig(values: Record<string, object>): string {
    const entries = Object.entries(values).map(([key, v]) => [
        `${project}:${key}`,
        { value: JSON.stringify(v), objectValue: v, secret: false },
    ]);
    return JSON.stringify(Object.fromEntries(entries));
}

void describe(`kind: the dev stack through the real engine (pulumi ${pulumiSpec.version})`, () => {
    let ksql: FakeKsqlDb;
    let stack: Stack;
    let work: string;
    let destroyed = false;
    /** The engine's environment: the data tools' `pulumi stack output` reads the same state. */
    let cliEnv: Record<string, string> = {};
    /** A data tool, `npm run <tool> -- <args>` from the project root as a user runs it. */
    const tool = async (args: string[], input?: string): Promise<string> => {
        const res = await toolStatus(args, input);
        assert.equal(res.status, 0, `npm run ${args.join(" ")} failed:\n${res.out}`);
        return res.out;
    };
    const toolStatus = (args: string[], input?: string) => runTool(args, cliEnv, input);

    before(async () => {
        assert.ok(env.gateway && env.kafka && env.pgPort, "run through `npm run test:kind`");
        ksql = await FakeKsqlDb.start({ topics: ["INGESTION"] });
        work = mkdtempSync(join(tmpdir(), "ingest-kind-"));
        mkdirSync(join(work, "state"));
        mkdirSync(join(work, "project"));
        // Here the engine is scripts/engine's build (CLI and Kubernetes provider in its own
        // PULUMI_HOME); upstream (CI) it is the released CLI on PATH, which installs the provider.
        const engine: Record<string, string> = upstreamImages
            ? {}
            : {
                  PULUMI_HOME: pulumiHome,
                  PATH: `${toolBin(pulumiSpec)}:${process.env.PATH ?? ""}`,
              };
        cliEnv = {
            PULUMI_BACKEND_URL: `file://${join(work, "state")}`,
            PULUMI_CONFIG_PASSPHRASE: "kind-suite",
            PULUMI_SKIP_UPDATE_CHECK: "true",
            NODE_PATH: join(repoRoot, "node_modules"),
            KUBECONFIG: process.env.KUBECONFIG ?? "",
            ...engine,
        };
        const pulumiCommand = upstreamImages
            ? await PulumiCommand.get()
            : await PulumiCommand.get({ root: toolDir(pulumiSpec.name, pulumiSpec.version) });
        const projectSettings = yaml.load(readFileSync(join(repoRoot, "Pulumi.yaml"), "utf8"));
        stack = await LocalWorkspace.createOrSelectStack(
            { stackName, projectName: project, program: realProgram() },
            {
                pulumiCommand,
                pulumiHome: upstreamImages ? undefined : pulumiHome,
                workDir: join(work, "project"),
                projectSettings: projectSettings as never,
                envVars: cliEnv,
            },
        );
        await stack.workspace.setAllConfigJson(stackName, objectConfig(stackSettings(ksql.url)));
        const set = spawnSync(
            pulumiCommand.command,
            ["config", "set", "--secret", "postgresPassword", "--stack", stackName],
            {
                cwd: join(work, "project"),
                env: { ...process.env, ...cliEnv },
                input: env.pgPassword,
                encoding: "utf8",
            },
        );
        assert.equal(set.status, 0, `pulumi config set --secret failed: ${set.stderr}`);
        // Seed 003's telemetry rows, which the Sqoop Job imports once deployed. The database is
        // the stack's external one (postgres.externalHost), so it is seeded before `up`, with
        // flags since no stack output exists yet; the password comes from $PGPASSWORD.
        const seeded = await timed("tool seed-postgres", () =>
            tool([
                "seed-postgres",
                "--pg-host",
                "127.0.0.1",
                "--pg-port",
                env.pgPort,
                "--pg-user",
                env.pgUser,
                "--pg-database",
                env.pgDatabase,
                "--telemetry",
                String(TELEMETRY_ROWS),
            ]),
        );
        assert.match(seeded, new RegExp(`inserted ${TELEMETRY_ROWS} telemetry rows`));
    });

    after(async () => {
        if (stack && !destroyed) {
            await stack.destroy({ onOutput: () => undefined }).catch((e: Error) => {
                console.log(`# cleanup destroy failed: ${e.message}`);
            });
        }
        await ksql?.close();
        if (work) rmSync(work, { recursive: true, force: true });
        console.log("# kind suite: engine and check timings");
        for (const [step, ms] of timings) {
            console.log(`#   ${step.padEnd(30)} ${(ms / 1000).toFixed(1)} s`);
        }
    });

    void it("up deploys the dev stack: HDFS, Flume, Sqoop and Connect run as ready pods", async () => {
        const res = await timed("up", () =>
            stack.up({ onOutput: (line) => process.stdout.write(`  | ${line}`) }),
        );
        assert.equal(res.summary.result, "succeeded");
        const listed = await timed("all pods ready", async () => {
            await until(
                "every pod Running and ready, or Succeeded",
                () =>
                    Promise.resolve(
                        pods().length > 0 &&
                            pods().every(
                                (p) =>
                                    p.status.phase === "Succeeded" ||
                                    (p.status.phase === "Running" &&
                                        (p.status.containerStatuses ?? []).every((c) => c.ready)),
                            ),
                    ),
                300_000,
            );
            return pods();
        });
        for (const p of listed) {
            const restarts = (p.status.containerStatuses ?? []).reduce(
                (n, c) => n + c.restartCount,
                0,
            );
            console.log(`# pod ${p.metadata.name}: ${p.status.phase}, restarts ${restarts}`);
        }
        const names = listed.map((p) => p.metadata.name);
        for (const prefix of ["hdfs-namenode-0", "hdfs-datanode-0", "connect-", "sqoop-"]) {
            assert.ok(
                names.some((n) => n.startsWith(prefix)),
                `no pod ${prefix}* in ${names.join(", ")}`,
            );
        }
        assert.ok(
            names.filter((n) => n.includes("flume")).length >= 2,
            `Flume agents: ${names.join(", ")}`,
        );
    });

    void it("the data tools feed the seed pipelines and check-landing finds what landed", async () => {
        // What a user runs after `pulumi up`: the tools find their endpoints in the stack's
        // outputs (`pulumi stack output --json --stack kind`); only what no output names is a flag.
        const outputs = await stack.outputs();
        const httpfs = outputs.httpfsHostUrl?.value as string | undefined;
        console.log(
            `# stack outputs: kafkaHostBootstrapServers=${String(outputs.kafkaHostBootstrapServers?.value)} ` +
                `webhdfsHost=${String(outputs.webhdfsHost?.value)} connectHostUrl=${String(outputs.connectHostUrl?.value)} ` +
                `httpfsHostUrl=${httpfs ?? "(none)"} enabledPipelines=${JSON.stringify(outputs.enabledPipelines?.value)}`,
        );
        // Seed 002: car transactions on Kafka's Cars topic → Flume (Kafka source, HDFS sink) → /Cars.
        const cars = await timed("tool car-transactions", () =>
            tool(["car-transactions", "--stack", stackName, "--count", String(CARS)]),
        );
        assert.match(cars, new RegExp(`produced ${CARS} car transactions to Cars`));
        // Seed 003, unorganized text: HTTP → Flume → Kafka UNORGANIZED → Connect sink. The Flume
        // HTTP source's host URL is a stack output when the stack gives it a NodePort; otherwise
        // it is reached as a user would, through kubectl port-forward.
        const hostUrl = outputs.flumeHttpHostUrl?.value as string | undefined;
        const forward = hostUrl
            ? undefined
            : await portForward(namespace, "svc/flume-unorganized", 8080);
        try {
            const sent = await timed("tool send-text", () =>
                tool(
                    [
                        "send-text",
                        "--stack",
                        stackName,
                        ...(forward ? ["--url", `http://127.0.0.1:${forward.port}`] : []),
                    ],
                    TEXT_LINES.join("\n") + "\n",
                ),
            );
            assert.match(sent, new RegExp(`sent ${TEXT_LINES.length} lines in 1 request`));
        } finally {
            forward?.stop();
        }

        // check-landing: its exit status and report are the assertion. Flume's and Sqoop's text
        // files are counted by their lines, which needs file contents: through HttpFS when the
        // stack outputs httpfsHostUrl (WebHDFS OPEN redirects to a DataNode's in-cluster name).
        const targets = [
            "--pipeline",
            "carsToHdfs",
            "--target",
            "powerGrid/old-telemetry=hdfs-lines:/old-telemetry",
            "--expect",
            `carsToHdfs=${CARS}`,
            "--expect",
            `powerGrid/old-telemetry=${TELEMETRY_ROWS}`,
        ];
        if (!httpfs) {
            // Without HttpFS, check-landing lists the files but cannot read their lines, so it
            // cannot pass: the lines are first awaited through the NameNode pod, then
            // check-landing's listing must show the same targets' files.
            await timed("wait for lines (NameNode pod)", () =>
                until(
                    `${CARS} lines in /Cars and ${TELEMETRY_ROWS} in /old-telemetry`,
                    () =>
                        Promise.resolve(
                            landedLines("/Cars") >= CARS &&
                                landedLines("/old-telemetry", "part-") >= TELEMETRY_ROWS,
                        ),
                    240_000,
                ),
            );
        }
        const landing = await timed("check-landing", () =>
            toolStatus([
                "check-landing",
                "--stack",
                stackName,
                ...targets,
                ...(httpfs
                    ? ["--timeout", "240", "--interval", "5"]
                    : ["--timeout", "0", "--json"]),
            ]),
        );
        console.log(landing.out.replace(/^/gm, "  check-landing | "));
        if (httpfs) {
            assert.equal(landing.status, 0, "check-landing found data missing (report above)");
        } else {
            const report = JSON.parse(landing.out.trim().split("\n").pop() ?? "{}") as {
                targets: { label: string; files: number; notes: string[] }[];
            };
            assert.deepEqual(report.targets.map((t) => t.label).sort(), [
                "carsToHdfs",
                "powerGrid/old-telemetry",
            ]);
            for (const t of report.targets) {
                assert.ok(t.files >= 1, `check-landing listed no files for ${t.label}`);
            }
            console.log(
                "# no httpfsHostUrl output: check-landing listed the files; their lines were counted in the NameNode pod",
            );
        }

        // The HDFS sinks run as FileStream sinks here (Confluent's HDFS sink has no registry this
        // machine reaches), writing into the worker's pod, where no landing check looks.
        await timed("check connect stand-in sink", () =>
            until(
                "the text lines in the Connect worker's FileStream sink file",
                () => {
                    const res = kubectl(
                        "-n",
                        namespace,
                        "exec",
                        "deploy/connect",
                        "--",
                        "cat",
                        "/tmp/hdfs-sinks.txt",
                    );
                    return Promise.resolve(
                        res.status === 0 && TEXT_LINES.every((l) => res.out.includes(l)),
                    );
                },
                180_000,
            ),
        );
    });

    void it("a second up changes nothing", async () => {
        const res = await timed("second up", () => stack.up({ onOutput: () => undefined }));
        assert.deepEqual(changed(res.summary.resourceChanges ?? {}), {});
    });

    void it("destroy removes the stack and its namespace", async () => {
        await timed("destroy", () => stack.destroy({ onOutput: () => undefined }));
        destroyed = true;
        await until(
            `namespace ${namespace} gone`,
            () => Promise.resolve(kubectl("get", "namespace", namespace).status !== 0),
            180_000,
        );
    });
});
