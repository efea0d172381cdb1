/**
 * A fresh clone's dev stack under the real Pulumi CLI (built by scripts/engine/build.ts): the
 * repository's Pulumi.yaml and Pulumi.dev.yaml, a new `file://` backend, no secret set. The CLI
 * must accept the stack's config and start the program, which must get as far as asking for a
 * generated Postgres password. The provider plugins (random, aws, kubernetes, docker) cannot be
 * downloaded or built here, so each preview stops at the first plugin it needs; the test names it.
 *
 * Also through the real CLI: the old declaration (secret with a plain default) is rejected before
 * the program runs; a password set without --secret, a typo'd key and a path set without --path
 * are reported by the program; the fixes it prints, run as printed, make the stack valid; numbers
 * `--path` stores in string fields are accepted; a connector secret set with `--secret --path` is
 * read as secret.
 *
 *   node --import tsx --test --test-reporter=spec test/engine/freshStack.ts
 */
import * as yaml from "js-yaml";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { pulumiCliVersion, pulumiSpec, repoRoot, toolBin } from "../../scripts/engine/tools";
import type { ConfigSet, Preview } from "./previewFresh";
import { timed, timings } from "./steps";

const cli = join(toolBin(pulumiSpec), "pulumi");
const built = existsSync(cli);
if (!built) {
    console.log(`# engine fresh-stack test skipped: ${cli} is missing (run npm run engine:build)`);
}
/** Registered by the runtime before the program runs. */
const stackResource = "pulumi:pulumi:Stack ingest-platform-dev";

/** One preview of a fresh dev stack, in its own process (see previewFresh.ts). */
function previewFreshDev(
    projectSettings: Record<string, unknown>,
    configure: ConfigSet[] = [],
): Promise<Preview> {
    const r = spawnSync(process.execPath, ["--import", "tsx", join(__dirname, "previewFresh.ts")], {
        input: JSON.stringify({ projectSettings, configure }),
        encoding: "utf8",
        cwd: repoRoot,
        maxBuffer: 64 * 1024 * 1024,
    });
    const line = r.stdout.split("\n").find((l) => l.startsWith("RESULT "));
    assert.ok(line, `previewFresh.ts printed no result (exit ${r.status}): ${r.stderr}`);
    const result = JSON.parse(line.slice("RESULT ".length)) as Preview;
    assert.equal(result.configError, undefined, result.configError);
    return Promise.resolve(result);
}

/**
 * The `pulumi config` commands of each `Fix:` in a ConfigError, as printed, without those that
 * hold a placeholder (`<value>`). Single quotes are the only quoting the fixes use.
 */
function printedFixes(error: string): ConfigSet[] {
    // The CLI repeats the diagnostics (stderr, the error, the summary): each problem once.
    const fixes = new Set([...error.matchAll(/^\s*- .*?\. Fix: (.*)$/gm)].map((m) => m[1]));
    return [...fixes]
        .flatMap((f) => f.split(/ && |, then /))
        .filter((c) => c.startsWith("pulumi config ") && !c.includes("<"))
        .map((c) => {
            const words = [...c.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);
            const [, , command, ...args] = words;
            assert.ok(command === "set" || command === "rm", c);
            return { command, args };
        });
}

/** The provider plugin a failed preview stopped at, if that is why it stopped. */
function missingPlugin(error: string | undefined): string | undefined {
    return /resource plugin 'pulumi-resource-([a-z-]+)'/.exec(error ?? "")?.[1];
}

const projectFile = () =>
    yaml.load(readFileSync(join(repoRoot, "Pulumi.yaml"), "utf8")) as {
        config: Record<string, Record<string, unknown>>;
    };

void describe(`engine: a fresh dev stack (pulumi ${pulumiCliVersion})`, { skip: !built }, () => {
    after(() => {
        for (const [step, ms] of timings) {
            console.log(`#   ${step.padEnd(32)} ${(ms / 1000).toFixed(1)} s`);
        }
    });

    void it("accepts the stack with no password set and runs the program to the generated password", async () => {
        const p = await timed("preview fresh dev", () => previewFreshDev(projectFile()));
        const error = p.error ?? "";
        assert.doesNotMatch(error, /must be encrypted|missing configuration value/);
        assert.doesNotMatch(error, /Invalid stack configuration/);
        // loadConfig passed and the platform asked for a generated password.
        assert.ok(
            p.registered.includes("random:index/randomPassword:RandomPassword postgres-password"),
            `the program registered: ${p.registered.join(", ")}`,
        );
        const plugin = missingPlugin(p.error);
        if (p.error !== undefined) {
            assert.ok(plugin, `the preview failed for another reason than a plugin: ${error}`);
            console.log(
                `# preview stopped at the ${plugin} provider plugin (not installable here), ` +
                    `after ${p.registered.length} registrations`,
            );
        }
    });

    void it("rejects the old declaration (secret with a plain default) before the program runs", async () => {
        const settings = projectFile();
        settings.config.postgresPassword = { type: "string", secret: true, default: "" };
        const p = await timed("preview old declaration", () => previewFreshDev(settings));
        assert.match(
            p.error ?? "",
            /Stack 'dev' with configuration key 'postgresPassword' must be encrypted as it's secret/,
        );
        assert.deepEqual(p.registered, []);
    });

    void it("refuses a password set without --secret, never printing it", async () => {
        const p = await timed("preview plaintext password", () =>
            previewFreshDev(projectFile(), [
                { args: ["postgresPassword"], input: "plain-hunter2" },
            ]),
        );
        assert.match(
            p.error ?? "",
            /postgresPassword: is stored in plaintext in the stack file \(set without --secret\)\. Fix: pulumi config set --secret postgresPassword <password>/,
        );
        assert.doesNotMatch(p.error ?? "", /plain-hunter2/);
        assert.deepEqual(p.registered, [stackResource]);
    });

    void it("reports a typo'd key and a path set without --path", async () => {
        const p = await timed("preview unknown keys", () =>
            previewFreshDev(projectFile(), [
                { args: ["--path", "kafak.replicas", "3"] },
                { args: ["connect.replicas", "2"] },
            ]),
        );
        const error = p.error ?? "";
        assert.match(error, /Invalid stack configuration \(2 problems\)/);
        assert.match(
            error,
            /connect\.replicas: unknown key: a structured value set without --path\. Fix: pulumi config rm 'connect\.replicas' && pulumi config set --path 'connect\.replicas' 2/,
        );
        assert.match(error, /kafak: unknown key \(did you mean kafka\?\)/);
        // A RunError: the message alone, no "Unhandled exception" and stack trace.
        assert.doesNotMatch(error, /Unhandled exception|at parseConfig/);
        assert.deepEqual(p.registered, [stackResource]);
    });

    void it("makes the stack valid by running the printed fixes as printed", async () => {
        const mistakes: ConfigSet[] = [
            { args: ["connect.replicas", "2"] },
            { args: ["--path", "kafak", "3"] },
            { args: ["--path", "kafka.resources.cpuLimit", "2"] },
            { args: ["--path", 'pipelines.topics[0].config["retention.ms"]', "86400000"] },
            { args: ["--path", "pipelines.topics[0].name", "clicks"] },
            { args: ["--path", "pipelines.topics[0].partitons", "3"] },
        ];
        const broken = await timed("preview mistakes", () =>
            previewFreshDev(projectFile(), mistakes),
        );
        assert.match(broken.error ?? "", /Invalid stack configuration \(3 problems\)/);
        const fixes = printedFixes(broken.error ?? "");
        assert.equal(fixes.length, 4, JSON.stringify(fixes));
        const fixed = await timed("preview after the fixes", () =>
            previewFreshDev(projectFile(), [...mistakes, ...fixes]),
        );
        assert.doesNotMatch(fixed.error ?? "", /Invalid stack configuration/);
        assert.ok(
            fixed.registered.includes(
                "random:index/randomPassword:RandomPassword postgres-password",
            ),
            "the program ran past its config",
        );
    });

    void it("reads a connector secret set with --secret --path as secret config", async () => {
        const p = await timed("preview connector secret", () =>
            previewFreshDev(projectFile(), [
                { args: ["--path", "pipelines.connectors[0].name", "users-jdbc"] },
                {
                    args: [
                        "--path",
                        'pipelines.connectors[0].config["connector.class"]',
                        "io.confluent.connect.jdbc.JdbcSinkConnector",
                    ],
                },
                {
                    args: [
                        "--secret",
                        "--path",
                        'connectorSecrets.users-jdbc["connection.password"]',
                    ],
                    input: "conn-hunter2",
                },
            ]),
        );
        const error = p.error ?? "";
        assert.doesNotMatch(error, /Invalid stack configuration|must be encrypted/);
        assert.doesNotMatch(error, /conn-hunter2/);
        assert.ok(
            p.registered.includes("random:index/randomPassword:RandomPassword postgres-password"),
            "the program ran past its config",
        );
    });
});
