/**
 * Runs the whole program (index.ts) under mocks with a stack's committed config, so a test can
 * assert the exact set of resources a `pulumi up` of that stack would register.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { recorded, settle, setupMocks, type MockOptions } from "./mocks";
import {
    checkKafkaTls,
    generateKafkaTls,
    type KafkaTlsInputs,
} from "../../components/platform/kafkaTls";

/** A deterministic stand-in for random passwords, recognisable in leak checks. */
export const MOCK_PASSWORD = "mock-generated-password-0123456789";

/** Stack config from `Pulumi.<stack>.yaml`, in the `project:key` → JSON string form mocks take. */
export function stackConfig(
    stack: string,
    overrides: Record<string, unknown> = {},
): Record<string, string> {
    const file = yaml.load(
        readFileSync(path.join(__dirname, "..", "..", `Pulumi.${stack}.yaml`), "utf8"),
    ) as {
        config: Record<string, unknown>;
    };
    const merged = { ...file.config, ...overrides };
    return Object.fromEntries(
        Object.entries(merged).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
    );
}

/** `<repository>@sha256:<hash of the name>`: a stand-in for a pushed image's repoDigest. */
export function mockRepoDigest(imageName: string): string {
    const digest = createHash("sha256").update(imageName).digest("hex");
    return `${imageName.replace(/:[^:/]+$/, "")}@sha256:${digest}`;
}

/** Shared mock options: random passwords resolve to {@link MOCK_PASSWORD}. */
export const stackMockOptions: Pick<MockOptions, "outputs"> = {
    outputs: {
        "random:index/randomPassword:RandomPassword": () => ({ result: MOCK_PASSWORD }),
        // The real generator: the certificates under mocks are the ones a real up would create.
        "pulumi-nodejs:dynamic/ingest:KafkaCertificates": (inputs) =>
            generateKafkaTls(checkKafkaTls(inputs).inputs as KafkaTlsInputs),
        // A pushed image's digest reference, as the docker provider reports it after the push.
        "docker:index/image:Image": (inputs) => ({
            repoDigest: mockRepoDigest(String(inputs.imageName)),
        }),
    },
};

/** Loads index.ts under mocks for `stack` and waits until every registration has arrived. */
export async function runStack(
    stack: string,
    opts: { overrides?: Record<string, unknown>; secretKeys?: string[] } = {},
): Promise<Record<string, unknown>> {
    setupMocks({
        ...stackMockOptions,
        stack,
        config: stackConfig(stack, opts.overrides),
        secretKeys: opts.secretKeys,
    });
    // index.ts assigns its outputs object to module.exports (no undefined outputs): imported as
    // a CommonJS module, that object is the namespace's default.
    const mod = (await import("../../index")) as { default?: Record<string, unknown> };
    await settle();
    return mod.default ?? mod;
}

export { recorded };
