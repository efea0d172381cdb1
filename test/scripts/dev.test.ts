import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import * as yaml from "js-yaml";
import { ROOT, SMALL_MACHINE_CONFIG, devSettings } from "../../scripts/dev/settings";
import { hostsToml, pulumiEnv, registryConfigMap } from "../../scripts/dev/steps";
import { atLeast, describeTool, requiredTools } from "../../scripts/dev/tools";
import { dataToolCommands } from "../../scripts/dev/up";

describe("dev tools", () => {
    const cases: [string, string, boolean][] = [
        ["0.27.0", "0.27.0", true],
        ["0.27.1", "0.27.0", true],
        ["0.26.9", "0.27.0", false],
        ["1.10.0", "1.9.0", true],
        ["3.269.9", "3.270.0", false],
    ];
    for (const [have, min, ok] of cases) {
        it(`${ok ? "accepts" : "refuses"} ${have} against ${min}`, () => {
            assert.equal(atLeast(have, min), ok);
        });
    }

    it("reads each tool's version from its real output format", () => {
        const [docker, kind, kubectl, pulumi] = requiredTools();
        assert.equal(docker.parse("27.1.1"), "27.1.1");
        assert.equal(kind.parse("kind v0.27.0 go1.23.6 linux/amd64"), "0.27.0");
        assert.equal(
            kubectl.parse('{"clientVersion":{"gitVersion":"v1.32.2","major":"1"}}'),
            "1.32.2",
        );
        assert.equal(pulumi.parse("v3.270.0"), "3.270.0");
        assert.equal(pulumi.min, "3.259.0");
    });

    it("prints the problem, the minimum and the install hint of a missing tool", () => {
        const kind = requiredTools()[1];
        assert.equal(
            describeTool({ ok: false, tool: kind, problem: "not installed (not on PATH)" }),
            "  MISSING  kind >= 0.27.0 (its node images read registry mirrors from /etc/containerd/certs.d (the local registry)): not installed (not on PATH)\n" +
                "           install: go install sigs.k8s.io/kind@v0.27.0, or download the release binary: https://kind.sigs.k8s.io/docs/user/quick-start/#installation",
        );
    });
});

describe("dev settings", () => {
    it("derives the cluster, registry and LocalStack from Pulumi.dev.yaml", () => {
        const s = devSettings({ HOME: "/home/u" });
        assert.equal(s.cluster, "ingest");
        assert.equal(s.context, "kind-ingest");
        assert.equal(s.registryPort, 5001);
        assert.deepEqual(s.localstack, { name: "localstack", port: 4566 });
        assert.equal(s.stateDir, "/home/u/.pulumi-state");
        assert.equal(s.passphraseFile, "/home/u/.pulumi-state/ingest-platform-dev.passphrase");
    });

    it("uses the directory of a file:// PULUMI_BACKEND_URL the user set", () => {
        const s = devSettings({ HOME: "/home/u", PULUMI_BACKEND_URL: "file://~/state" });
        assert.equal(s.stateDir, "/home/u/state");
    });

    it("pushes every built image of the dev stack to the registry dev:up runs", () => {
        const file = yaml.load(readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")) as {
            config: Record<string, { buildRegistry?: string }>;
        };
        for (const key of ["connect", "flume", "sqoop", "hdfs"]) {
            assert.equal(
                file.config[`ingest-platform:${key}`]?.buildRegistry,
                "localhost:5001",
                key,
            );
        }
        assert.equal(hostsToml(devSettings()), '[host."http://kind-registry:5000"]\n');
        assert.match(registryConfigMap(devSettings()), /host: "localhost:5001"/);
    });

    it("turns on containerd's registry config directory in the kind config", () => {
        const kind = yaml.load(
            readFileSync(path.join(ROOT, "scripts", "kind-config.yaml"), "utf8"),
        ) as { containerdConfigPatches?: string[] };
        assert.ok(
            (kind.containerdConfigPatches ?? []).some((p) =>
                /config_path = "\/etc\/containerd\/certs\.d"/.test(p),
            ),
        );
    });

    it("keeps a passphrase the user set and otherwise points at the generated file", () => {
        const s = devSettings({ HOME: "/home/u" });
        const own = pulumiEnv(s, { HOME: "/home/u", PULUMI_CONFIG_PASSPHRASE: "" });
        assert.equal(own.PULUMI_CONFIG_PASSPHRASE, "");
        assert.equal(own.PULUMI_CONFIG_PASSPHRASE_FILE, undefined);
        assert.equal(own.PULUMI_BACKEND_URL, "file:///home/u/.pulumi-state");
        const gen = pulumiEnv(s, { HOME: "/home/u" });
        assert.equal(gen.PULUMI_CONFIG_PASSPHRASE_FILE, s.passphraseFile);
    });

    it("switches off only keys the config schema knows for --small", () => {
        const pulumiYaml = readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8");
        for (const key of Object.keys(SMALL_MACHINE_CONFIG)) {
            assert.ok(pulumiYaml.includes(`    ${key.split(".")[0]}:`), key);
        }
    });

    it("lists the data tools of package.json as npm run commands", () => {
        assert.deepEqual(
            dataToolCommands({
                test: "node scripts/run-tests.mjs all",
                "produce-sales": "node --import tsx scripts/tools/produce-sales.ts",
                "check-landing": "node --import tsx scripts/tools/check-landing.ts",
            }),
            ["npm run produce-sales", "npm run check-landing"],
        );
    });
});

describe("npm run dev:up -- --check", () => {
    let dir: string;
    before(() => {
        dir = mkdtempSync(path.join(tmpdir(), "dev-check-"));
        const bin = path.join(dir, "bin");
        spawnSync("mkdir", ["-p", bin, path.join(dir, "home")]);
        const tool = (name: string, script: string) => {
            writeFileSync(path.join(bin, name), `#!/bin/sh\n${script}\n`);
            chmodSync(path.join(bin, name), 0o755);
        };
        // docker answers with an old server and no containers; kind and pulumi are absent.
        tool("docker", 'if [ "$1" = version ]; then echo 19.03.1; exit 0; fi\nexit 1');
        tool("kubectl", `echo '{"clientVersion":{"gitVersion":"v1.32.2"}}'`);
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("reports each missing tool with its hint and what it would do, changes nothing, exits 1", () => {
        const home = path.join(dir, "home");
        const res = spawnSync(
            process.execPath,
            ["--import", "tsx", path.join(ROOT, "scripts", "dev", "up.ts"), "--check"],
            {
                cwd: ROOT,
                encoding: "utf8",
                env: { PATH: `${path.join(dir, "bin")}:/usr/bin:/bin`, HOME: home },
            },
        );
        assert.equal(res.status, 1, res.stderr);
        const out = res.stdout;
        assert.match(out, /^dev:up --check: nothing is changed\./);
        assert.ok(
            out.includes(
                "  MISSING  docker >= 20.10.0 (runs the kind node, the local registry and LocalStack): version 19.03.1 is older than 20.10.0\n",
            ),
            out,
        );
        assert.ok(out.includes("  ok       kubectl 1.32.2 (>= 1.31.0)\n"), out);
        assert.ok(out.includes("  MISSING  kind >= 0.27.0 ("), out);
        assert.ok(
            out.includes(
                "  MISSING  pulumi >= 3.259.0 (the oldest CLI the engine tier runs this program with): not installed (not on PATH)\n" +
                    "           install: curl -fsSL https://get.pulumi.com | sh (https://www.pulumi.com/docs/install/)\n",
            ),
            out,
        );
        assert.ok(
            out.includes(
                `  TODO  local state backend: mkdir -p ${home}/.pulumi-state (pulumi login file://${home}/.pulumi-state fails without it)\n`,
            ),
            out,
        );
        assert.match(out, /\nMissing: (node, )?docker, kind, pulumi\. Install them/);
        assert.equal(existsSync(path.join(home, ".pulumi-state")), false);
    });
});
