import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, describe, it } from "node:test";
import axios from "axios";
import { serviceEnv } from "../../../scripts/services/control";
import {
    isAlive,
    launch,
    stopProcess,
    type RunningProcess,
} from "../../../scripts/services/process";
import { readState, updateState } from "../../../scripts/services/state";
import { carTransaction } from "../../../scripts/tools/lib/generators";
import { eventually } from "../../helpers/eventually";
import { runTool } from "../../helpers/tools";

const env = serviceEnv();
const skip =
    !env.hdfs?.httpfsUrl || !process.env.SERVICES_STATE
        ? "WEBHDFS_URL and HTTPFS_URL are not set: run through `npm run test:services` (SERVICES=hdfs)"
        : false;
if (skip) console.log(`# httpfs.services: skipped — ${skip}`);

const run = randomBytes(4).toString("hex");
const dir = `/httpfs-it-${run}/Cars`;
const http = axios.create({ timeout: 30_000, validateStatus: () => true, maxRedirects: 0 });

interface LandingJson {
    ok: boolean;
    targets: { label: string; files: number; records: number | null; notes: string[] }[];
}

/** Writes `text` through WebHDFS (NameNode redirect, then the DataNode), as a writer would. */
async function write(path: string, text: string): Promise<void> {
    const nn = `${env.hdfs!.webhdfsUrl}/webhdfs/v1${path}?op=CREATE&overwrite=true&user.name=${env.hdfs!.user}`;
    const step1 = await http.put(nn);
    assert.equal(step1.status, 307, String(step1.data));
    const res = await http.put(String(step1.headers.location), text, {
        headers: { "Content-Type": "application/octet-stream" },
    });
    assert.equal(res.status, 201, String(res.data));
}

const checkLanding = (args: string[]) =>
    runTool("check-landing", [
        "--webhdfs",
        env.hdfs!.webhdfsUrl,
        "--httpfs",
        env.hdfs!.httpfsUrl!,
        "--target",
        `cars=hdfs-lines:${dir}`,
        "--interval",
        "1",
        ...args,
    ]);

function httpfsProcess(): RunningProcess {
    const proc = readState(process.env.SERVICES_STATE!).processes.httpfs;
    assert.ok(proc, "the harness recorded no httpfs process");
    return proc;
}

let stopped: RunningProcess | undefined;

/** Starts the harness's HttpFS again with its recorded spec (same port) and waits until it answers. */
async function restartHttpfs(): Promise<void> {
    if (!stopped) return;
    // `launch` takes the spec; the old pid is replaced by the new process's.
    const proc = launch(stopped);
    stopped = undefined;
    updateState(process.env.SERVICES_STATE!, (s) => ({
        ...s,
        processes: { ...s.processes, httpfs: proc },
    }));
    await eventually(
        "HttpFS answering again",
        async () => {
            if (!isAlive(proc.pid)) throw new Error(`httpfs exited; see ${proc.logFile}`);
            const res = await http
                .get(`${env.hdfs!.httpfsUrl}/webhdfs/v1/?op=GETFILESTATUS&user.name=hdfs`)
                .catch(() => undefined);
            return res?.status === 200 ? true : undefined;
        },
        120_000,
    );
}

after(async () => {
    if (!skip) await restartHttpfs();
});

void describe("check-landing reads HDFS file contents through HttpFS", { skip }, () => {
    // Seed 002's Cars files as Flume's HDFS sink leaves them: closed files of one record a line,
    // and an in-progress `.tmp` file that is not counted.
    const sizes = [120, 75, 42];
    const total = sizes.reduce((a, b) => a + b, 0);

    void it(
        "counts every record of the landed files, read through HttpFS without a DataNode redirect",
        { timeout: 120_000 },
        async () => {
            for (const [i, n] of sizes.entries()) {
                const lines = Array.from({ length: n }, () => JSON.stringify(carTransaction()));
                await write(`${dir}/FlumeData.${1_700_000_000_000 + i}`, `${lines.join("\n")}\n`);
            }
            await write(`${dir}/FlumeData.1800000000000.tmp`, "half a record");

            // The point of the gateway: WebHDFS OPEN sends the client to a DataNode address (which
            // a host outside the cluster cannot reach); HttpFS streams the bytes itself.
            const file = `${dir}/FlumeData.1700000000002`;
            const direct = await http.get(
                `${env.hdfs!.webhdfsUrl}/webhdfs/v1${file}?op=OPEN&user.name=${env.hdfs!.user}`,
            );
            assert.equal(direct.status, 307);
            const gateway = await http.get<string>(
                `${env.hdfs!.httpfsUrl}/webhdfs/v1${file}?op=OPEN&user.name=${env.hdfs!.user}`,
                { responseType: "text", transformResponse: (d: unknown) => d },
            );
            assert.equal(gateway.status, 200);
            assert.equal(gateway.headers.location, undefined);
            assert.equal(gateway.data.trim().split("\n").length, 42);

            const res = await checkLanding([
                "--expect",
                `cars=${total}`,
                "--timeout",
                "0",
                "--json",
            ]);
            assert.equal(res.code, 0, `${res.stdout}\n${res.stderr}`);
            const landed = JSON.parse(res.stdout) as LandingJson;
            assert.equal(landed.ok, true);
            assert.equal(landed.targets[0].files, 3);
            assert.equal(landed.targets[0].records, total);
            assert.deepEqual(landed.targets[0].notes, []);
            console.log(`# httpfs: check-landing counted ${total} records in 3 files via HttpFS`);
        },
    );

    void it(
        "fails with a report naming HttpFS and its flag when the gateway is down",
        { timeout: 180_000 },
        async (t) => {
            stopped = httpfsProcess();
            await stopProcess(stopped, 15_000);
            const res = await checkLanding(["--expect", `cars=${total}`, "--timeout", "0"]);
            assert.equal(res.code, 1, res.stdout);
            t.diagnostic(`check-landing report:\n${res.stdout}`);
            const report = res.stdout.trim().split("\n");
            // The listing still works (WebHDFS), so the files and bytes are reported; the records are not.
            assert.match(
                report[0],
                new RegExp(`^MISSING cars\\s+\\? records in 3 file\\(s\\) at hdfs-lines ${dir} `),
            );
            assert.match(
                res.stdout,
                new RegExp(
                    `- 3 file\\(s\\), \\d+ bytes, but their contents are not readable from here ` +
                        `\\(cannot reach HttpFS at ${env.hdfs!.httpfsUrl!.replace(/[.]/g, "\\.")} ` +
                        `\\(from flag --httpfs\\): .*ECONNREFUSED`,
                ),
            );
            assert.match(report.at(-1)!, /^1 of 1 target\(s\) missing after \d+ s: cars$/);

            await restartHttpfs();
            const again = await checkLanding(["--expect", `cars=${total}`, "--timeout", "0"]);
            assert.equal(again.code, 0, again.stdout);
        },
    );
});
