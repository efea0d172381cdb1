import * as assert from "node:assert/strict";
import {
    copyFileSync,
    existsSync,
    mkdirSync,
    mkdtempSync,
    readFileSync,
    rmSync,
    statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { pulumiCliVersion, pulumiHome, pulumiSpec, toolBin } from "../../scripts/engine/tools";
import { ROOT, devSettings } from "../../scripts/dev/settings";
import { setupSteps, type Step } from "../../scripts/dev/steps";
import { MIN_PULUMI_CLI } from "../../scripts/dev/tools";

const cli = path.join(toolBin(pulumiSpec), "pulumi");
const why = existsSync(cli)
    ? undefined
    : `the engine tier's Pulumi CLI is not built (${cli}); npm run engine:build builds it`;

describe("dev:up's backend and stack steps against the real Pulumi CLI", { skip: why }, () => {
    let dir: string;
    let steps: Step[];
    before(() => {
        dir = mkdtempSync(path.join(tmpdir(), "dev-backend-"));
        // A copy of the project, so the stack's encryptionsalt is not written into the repository.
        mkdirSync(path.join(dir, "project"));
        for (const f of ["Pulumi.yaml", "Pulumi.dev.yaml"]) {
            copyFileSync(path.join(ROOT, f), path.join(dir, "project", f));
        }
        const env = {
            PATH: `${path.dirname(cli)}:${process.env.PATH ?? ""}`,
            HOME: path.join(dir, "home"),
            PULUMI_HOME: pulumiHome,
        };
        const s = devSettings(env, path.join(dir, "project"));
        steps = setupSteps(s, env).filter(
            (st) =>
                ["local state backend", "stack secrets passphrase", "stack dev"].includes(
                    st.title,
                ) || st.title.startsWith("no operation left pending"),
        );
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("requires no newer CLI than the one the engine tier runs", () => {
        assert.equal(MIN_PULUMI_CLI, pulumiCliVersion);
    });

    it("creates the backend directory, the passphrase file and the stack, then finds them done", async () => {
        assert.equal(steps.length, 4);
        const before = await Promise.all(steps.map((st) => st.check()));
        assert.deepEqual(
            before.map((b) => b.done),
            [false, false, false, true],
        );
        for (const st of steps) await st.apply();
        const after = await Promise.all(steps.map((st) => st.check()));
        assert.deepEqual(
            after.map((a) => [a.done, a.detail]),
            [
                [true, `file://${path.join(dir, "home", ".pulumi-state")} (directory exists)`],
                [
                    true,
                    `PULUMI_CONFIG_PASSPHRASE_FILE=${path.join(dir, "home", ".pulumi-state", "ingest-platform-dev.passphrase")}`,
                ],
                [true, "exists in the backend"],
                [true, "none"],
            ],
        );
        const pass = path.join(dir, "home", ".pulumi-state", "ingest-platform-dev.passphrase");
        assert.equal(statSync(pass).mode & 0o777, 0o600);
        assert.match(
            readFileSync(path.join(dir, "project", "Pulumi.dev.yaml"), "utf8"),
            /^encryptionsalt: v1:/m,
        );
        // A second run changes nothing: applying a done step is a no-op.
        const passphrase = readFileSync(pass, "utf8");
        for (const st of steps) await st.apply();
        assert.equal(readFileSync(pass, "utf8"), passphrase);
    });
});
