#!/usr/bin/env node
// Runs the test suites with node's built-in runner, one process per test file (Pulumi's runtime
// and mocks are process-global, so files must not share a process).
//
//   node scripts/run-tests.mjs unit      fast tests: mocks and stubbed HTTP (test/**/*.test.ts)
//   node scripts/run-tests.mjs services  real local services (test/**/*.services.test.ts)
//   node scripts/run-tests.mjs all       unit, then services when TEST_SERVICES=1
//
// Service tests need Kafka, Connect, HDFS and Postgres running as local processes;
// scripts/services/run.ts starts them, runs the given command with their endpoints in the
// environment, and tears them down.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync, existsSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const mode = process.argv[2] ?? "all";

function findTests(dir, predicate) {
    const out = [];
    for (const entry of readdirSync(dir)) {
        const path = join(dir, entry);
        if (statSync(path).isDirectory()) out.push(...findTests(path, predicate));
        else if (predicate(entry)) out.push(relative(root, path));
    }
    return out.sort();
}

const isService = (f) => f.endsWith(".services.test.ts");
const unitFiles = findTests(join(root, "test"), (f) => f.endsWith(".test.ts") && !isService(f));
const serviceFiles = findTests(join(root, "test"), isService);

function run(cmd, args, env = {}) {
    const res = spawnSync(cmd, args, {
        cwd: root,
        stdio: "inherit",
        env: { ...process.env, ...env },
    });
    if (res.status !== 0) process.exit(res.status ?? 1);
}

const nodeTest = (files, concurrency) => [
    "--import",
    "tsx",
    "--test",
    "--test-reporter=spec",
    `--test-concurrency=${concurrency}`,
    ...files,
];

if (mode === "unit" || mode === "all") {
    console.log(`# unit: ${unitFiles.length} test files`);
    run(process.execPath, nodeTest(unitFiles, 2));
}

if (mode === "services" || (mode === "all" && process.env.TEST_SERVICES === "1")) {
    if (serviceFiles.length === 0) {
        console.log("# services: no service test files");
    } else if (!existsSync(join(root, "scripts/services/run.ts"))) {
        console.error("# services: scripts/services/run.ts is missing");
        process.exit(1);
    } else {
        console.log(`# services: ${serviceFiles.length} test files against real local services`);
        // Files share one set of services, so they run one at a time.
        run(
            process.execPath,
            [
                "--import",
                "tsx",
                "scripts/services/run.ts",
                "--",
                process.execPath,
                ...nodeTest(serviceFiles, 1),
            ],
            { TEST_SERVICES: "1" },
        );
    }
} else if (mode === "all") {
    console.log(
        "# services: skipped — set TEST_SERVICES=1 (or run `npm run test:services`) to start Kafka, " +
            "Connect, HDFS and Postgres locally from Maven Central jars and Debian packages and run " +
            `${serviceFiles.length} real-service test files`,
    );
}
