/**
 * The Kafka chart for the engine tier, as a local chart directory in the cache. The Bitnami OCI
 * registry is not reachable from every machine (nor from air-gapped clusters), so the tier never
 * pulls it: it uses `${cacheRoot}/charts/kafka-<version>` (or `ENGINE_KAFKA_CHART_DIR`) when that
 * directory holds a chart, and otherwise deploys the rest of the platform without the chart.
 *
 * This script fills that directory from a git clone of github.com/bitnami/charts, taking the
 * Kafka chart at the newest commit whose Chart.yaml has the wanted version and the `common`
 * library chart at the version its Chart.lock pins (Helm reads dependencies from `charts/`):
 *
 *   npx tsx scripts/engine/chart.ts <bitnami/charts clone or bare git dir> [version]
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { cacheRoot } from "./tools";

/** The chart version the program pins by default (`kafka.chartVersion` in Pulumi.yaml). */
export const kafkaChartVersion = "32.4.4";

/** Where the tier looks for the Kafka chart directory. */
export function kafkaChartDir(version = kafkaChartVersion): string {
    return process.env.ENGINE_KAFKA_CHART_DIR ?? join(cacheRoot, "charts", `kafka-${version}`);
}

/** The chart directory when it holds a complete chart (its `common` dependency included). */
export function findKafkaChart(version = kafkaChartVersion): string | undefined {
    const dir = kafkaChartDir(version);
    const complete =
        existsSync(join(dir, "Chart.yaml")) &&
        existsSync(join(dir, "charts", "common", "Chart.yaml"));
    return complete ? dir : undefined;
}

function git(gitDir: string, args: readonly string[]): string {
    const res = spawnSync("git", ["-C", gitDir, ...args], {
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    if (res.status !== 0) throw new Error(`git ${args.join(" ")}: ${res.stderr.trim()}`);
    return res.stdout;
}

/** Newest commit whose `<path>/Chart.yaml` declares `version`. */
function commitWithVersion(gitDir: string, path: string, version: string): string {
    // HEAD's history only: the mirror's other refs include forks that renamed or pruned charts.
    const commits = git(gitDir, ["log", "--format=%H", "HEAD", "--", `${path}/Chart.yaml`]);
    for (const commit of commits.split("\n").filter(Boolean)) {
        let chartYaml: string;
        try {
            chartYaml = git(gitDir, ["show", `${commit}:${path}/Chart.yaml`]);
        } catch {
            continue; // the commit deleted the chart
        }
        if (new RegExp(`^version: ${version.replace(/\./g, "\\.")}$`, "m").test(chartYaml)) {
            return commit;
        }
    }
    throw new Error(`no commit of ${path} has version ${version}`);
}

/** Extracts `<commit>:<path>` into `dest` (git archive piped into tar). */
function extract(gitDir: string, commit: string, path: string, dest: string): void {
    mkdirSync(dest, { recursive: true });
    const depth = path.split("/").length;
    const run = spawnSync(
        "sh",
        [
            "-c",
            `git -C "$1" archive "$2" "$3" | tar -x -C "$4" --strip-components=${depth}`,
            "extract",
            gitDir,
            commit,
            path,
            dest,
        ],
        { encoding: "utf8" },
    );
    if (run.status !== 0) throw new Error(`extracting ${commit}:${path}: ${run.stderr}`);
}

function main(): void {
    const [gitDir, version = kafkaChartVersion] = process.argv.slice(2);
    if (gitDir === undefined) {
        console.error("usage: npx tsx scripts/engine/chart.ts <bitnami/charts git dir> [version]");
        process.exit(2);
    }
    const dest = kafkaChartDir(version);
    const kafkaCommit = commitWithVersion(gitDir, "bitnami/kafka", version);
    const lock = git(gitDir, ["show", `${kafkaCommit}:bitnami/kafka/Chart.lock`]);
    const commonVersion = /name: common\n\s+repository: .*\n\s+version: (\S+)/.exec(lock)?.[1];
    if (commonVersion === undefined) throw new Error("Chart.lock pins no common version");
    const commonCommit = commitWithVersion(gitDir, "bitnami/common", commonVersion);
    rmSync(dest, { recursive: true, force: true });
    extract(gitDir, kafkaCommit, "bitnami/kafka", dest);
    extract(gitDir, commonCommit, "bitnami/common", join(dest, "charts", "common"));
    const got = /^version: (\S+)$/m.exec(readFileSync(join(dest, "Chart.yaml"), "utf8"))?.[1];
    console.log(`kafka ${got} (${kafkaCommit.slice(0, 10)}) + common ${commonVersion} in ${dest}`);
}

if (require.main === module) {
    try {
        main();
    } catch (err) {
        console.error((err as Error).message);
        process.exit(1);
    }
}
