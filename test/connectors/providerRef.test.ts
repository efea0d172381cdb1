/**
 * The thin serialized providers of connectors/providerRef.ts: what each dynamic type puts into
 * state as `__provider`, that this text does not change when the implementation does (nor with the
 * checkout's directory), and that the shim, revived the way the dynamic-provider host revives it in
 * a plain Node process, finds the project, registers tsx and runs the implementation found there.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
    cpSync,
    mkdirSync,
    mkdtempSync,
    readFileSync,
    rmSync,
    symlinkSync,
    writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve as resolvePath } from "node:path";
import { recorded, resolve, settle, setupMocks } from "../helpers/mocks";

setupMocks();

const repo = resolvePath(__dirname, "..", "..");
/** Bytes of provider code allowed per dynamic resource in state (both copies, JSON-escaped). */
const STATE_BUDGET = 4096;

/** Declares one resource of each type from the `connectors/index.ts` under `root`. */
async function declareAll(root: string, suffix: string): Promise<Record<string, string>> {
    const c = (await import(
        join(root, "connectors", "index.ts")
    )) as typeof import("../../connectors");
    const made = [
        new c.KafkaTopic(`t${suffix}`, {
            bootstrapServers: "kafka:9092",
            partitions: 1,
            replicationFactor: 1,
        }),
        new c.HdfsDirectory(`d${suffix}`, {
            webhdfsUrl: "http://nn:9870",
            path: "/d",
            user: "hdfs",
        }),
        new c.KsqlStream(`s${suffix}`, {
            ksqlUrl: "http://ksqldb:8088",
            name: "S",
            topic: "T",
            valueFormat: "JSON",
            columns: [{ name: "A", type: "STRING" }],
        }),
        new c.KsqlTable(`q${suffix}`, {
            ksqlUrl: "http://ksqldb:8088",
            name: "Q",
            topic: "T",
            valueFormat: "JSON",
            columns: [{ name: "A", type: "STRING", key: true }],
        }),
    ];
    for (const r of made) await resolve(r.urn);
    await settle();
    const out: Record<string, string> = {};
    for (const r of recorded.filter((x) => x.name.endsWith(suffix))) {
        out[r.type] = r.inputs.__provider as string;
    }
    assert.equal(Object.keys(out).length, 4, `4 dynamic types registered from ${root}`);
    return out;
}

/** Runs `script` with plain `node` (no TypeScript loader), as the host runs: JSON out. */
function runPlainNode(script: string, cwd: string, args: string[]): unknown {
    const res = spawnSync(process.execPath, [script, ...args], {
        cwd,
        encoding: "utf8",
        env: { PATH: process.env.PATH ?? "" },
        timeout: 120_000,
    });
    assert.equal(res.status, 0, `node ${script} failed: ${res.stderr}`);
    return JSON.parse(res.stdout) as unknown;
}

/**
 * Revives a `__provider` text with require-from-string (what the host does, `filename` empty so
 * modules resolve from the cwd), calls `configure` once like the host, then `check` on each input.
 */
const REVIVE = `
const requireFromString = require(require.resolve("require-from-string", {
    paths: [require("node:path").dirname(require.resolve(process.argv[3] + "/node_modules/@pulumi/pulumi"))],
}));
const text = require("node:fs").readFileSync(process.argv[2], "utf8");
(async () => {
    const provider = requireFromString(text).handler();
    try {
        await provider.configure({ config: {} });
    } catch (e) {
        console.log(JSON.stringify({ error: e.message }));
        return;
    }
    const checked = await provider.check({}, JSON.parse(process.argv[4]));
    console.log(JSON.stringify({ methods: Object.keys(provider).sort(), checked }));
})();
`;

void describe("providerRef: thin serialized dynamic providers", () => {
    let work: string;
    let copyA: string;
    let copyB: string;
    let shims: Record<string, string>;

    before(async () => {
        work = mkdtempSync(join(tmpdir(), "provider-ref-"));
        copyA = join(work, "a");
        copyB = join(work, "b");
        for (const copy of [copyA, copyB]) {
            mkdirSync(copy);
            cpSync(join(repo, "connectors"), join(copy, "connectors"), { recursive: true });
            symlinkSync(join(repo, "node_modules"), join(copy, "node_modules"));
        }
        // An implementation-only change in copy B: check marks what it returns.
        const file = join(copyB, "connectors", "kafkaTopic", "resource.ts");
        const before = readFileSync(file, "utf8");
        const after = before.replace(
            "return Promise.resolve(checkTopic(news));",
            'return Promise.resolve({ ...checkTopic(news), implementation: "changed" });',
        );
        assert.notEqual(after, before, "the implementation edit applies");
        writeFileSync(file, after);
        shims = await declareAll(repo, "-repo");
    });

    after(() => rmSync(work, { recursive: true, force: true }));

    void it("keeps each resource's provider code in state within 4 KiB", () => {
        for (const [type, text] of Object.entries(shims)) {
            // The engine keeps __provider in the inputs and again in the outputs.
            const inState = 2 * JSON.stringify(text).length;
            assert.ok(inState <= STATE_BUDGET, `${type}: ${inState} B of provider code in state`);
            assert.match(text, /exports\.handler/);
        }
    });

    void it("names the implementation by a path relative to the project, nothing else", () => {
        const expected: Record<string, string> = {
            "pulumi-nodejs:dynamic/ingest:KafkaTopic": "connectors/kafkaTopic/resource",
            "pulumi-nodejs:dynamic/ingest:HdfsDirectory": "connectors/hdfsDirectory/resource",
            "pulumi-nodejs:dynamic/ingest:KsqlStream": "connectors/ksql/provider",
            "pulumi-nodejs:dynamic/ingest:KsqlTable": "connectors/ksql/provider",
        };
        for (const [type, text] of Object.entries(shims)) {
            assert.ok(text.includes(`modulePath: "${expected[type]}"`), type);
            assert.equal(text.includes(repo), false, `${type}: an absolute path of this checkout`);
            assert.equal(text.includes(tmpdir()), false, type);
            // No code of the implementations or their clients.
            for (const word of ["kafkajs", "axios", "webhdfs", "createTopics", "KSQL"]) {
                assert.equal(text.includes(word), false, `${type} holds ${word}`);
            }
        }
    });

    void it("serializes the same text from another checkout with a changed implementation", async () => {
        assert.deepEqual(await declareAll(copyA, "-a"), shims);
        assert.deepEqual(await declareAll(copyB, "-b"), shims);
    });

    void it("runs the implementation it finds at run time, in a plain Node process", () => {
        const dir = join(work, "host");
        mkdirSync(dir);
        const script = join(dir, "revive.js");
        writeFileSync(script, REVIVE);
        const shimFile = join(dir, "topic.js");
        writeFileSync(shimFile, shims["pulumi-nodejs:dynamic/ingest:KafkaTopic"]);
        const news = JSON.stringify({ bootstrapServers: "k:9092", partitions: 2, name: "t" });
        const checkedIn = (cwd: string) =>
            runPlainNode(script, cwd, [shimFile, cwd, news]) as {
                methods: string[];
                checked: { inputs: Record<string, unknown>; implementation?: string };
            };
        const a = checkedIn(copyA);
        assert.deepEqual(a.methods, [
            "check",
            "configure",
            "create",
            "delete",
            "diff",
            "read",
            "update",
        ]);
        assert.equal(a.checked.inputs.partitions, 2);
        assert.equal(a.checked.implementation, undefined);
        // The same shim text in copy B runs copy B's changed implementation.
        assert.equal(checkedIn(copyB).checked.implementation, "changed");
    });

    void it("each type's shim loads its own implementation", () => {
        const dir = join(work, "types");
        mkdirSync(dir);
        const script = join(dir, "revive.js");
        writeFileSync(script, REVIVE);
        const inputs: Record<string, object> = {
            "pulumi-nodejs:dynamic/ingest:HdfsDirectory": {
                webhdfsUrl: "http://nn:9870",
                path: "/x/",
                user: "hdfs",
            },
            "pulumi-nodejs:dynamic/ingest:KsqlStream": {
                ksqlUrl: "http://ksqldb:8088",
                kind: "STREAM",
                name: "s",
                topic: "T",
                valueFormat: "JSON",
                columns: [{ name: "a", type: "STRING" }],
            },
        };
        for (const [type, news] of Object.entries(inputs)) {
            const shimFile = join(dir, `${type.split(":").pop()}.js`);
            writeFileSync(shimFile, shims[type]);
            const res = runPlainNode(script, copyA, [shimFile, copyA, JSON.stringify(news)]) as {
                checked: { inputs: Record<string, unknown>; failures: unknown[] };
            };
            assert.deepEqual(res.checked.failures, [], type);
            if (type.endsWith("HdfsDirectory")) assert.equal(res.checked.inputs.path, "/x");
            else assert.equal(res.checked.inputs.name, "S");
        }
    });

    void it("fails configure with the places it looked when the project is not found", () => {
        const dir = join(work, "elsewhere");
        mkdirSync(dir);
        const script = join(dir, "revive.js");
        writeFileSync(script, REVIVE);
        const shimFile = join(dir, "topic.js");
        writeFileSync(shimFile, shims["pulumi-nodejs:dynamic/ingest:KafkaTopic"]);
        const res = runPlainNode(script, dir, [shimFile, copyA, "{}"]) as { error: string };
        assert.match(
            res.error,
            /^connectors\/kafkaTopic\/resource#kafkaTopicProvider: no connectors\/kafkaTopic\/resource\.ts or \.js in /,
        );
        assert.ok(res.error.includes(dir), res.error);
        assert.match(res.error, /Run pulumi in the project directory\.$/);
    });

    void it("gives KafkaAcl and KafkaCertificates thin shims that load their own modules", async () => {
        const { KafkaAcl } = await import("../../connectors/kafkaAcl/resource");
        const { KafkaCertificates } = await import("../../components/platform/kafkaTls");
        const made = [
            new KafkaAcl("acl-thin", {
                bootstrapServers: "kafka:9092",
                principal: "User:connect",
                bindings: [
                    { resourceType: "topic", name: "t", pattern: "literal", operation: "READ" },
                ],
            }),
            new KafkaCertificates("certs-thin", {
                commonName: "ingest-kafka-ca",
                dnsNames: ["kafka.ingest.svc.cluster.local"],
            }),
        ];
        for (const r of made) await resolve(r.urn);
        await settle();
        const expected: Record<string, [string, object, string]> = {
            "acl-thin": [
                "connectors/kafkaAcl/resource",
                {
                    bootstrapServers: "kafka:9092",
                    principal: "User:connect",
                    bindings: [
                        { resourceType: "topic", name: "t", pattern: "literal", operation: "READ" },
                    ],
                },
                "principal",
            ],
            "certs-thin": [
                "components/platform/kafkaTls",
                { commonName: "ingest-kafka-ca", dnsNames: ["kafka.ingest.svc.cluster.local"] },
                "commonName",
            ],
        };
        const dir = join(work, "more-types");
        mkdirSync(dir);
        const script = join(dir, "revive.js");
        writeFileSync(script, REVIVE);
        for (const [name, [modulePath, news, key]] of Object.entries(expected)) {
            const text = recorded.find((r) => r.name === name)!.inputs.__provider as string;
            assert.ok(2 * JSON.stringify(text).length <= STATE_BUDGET, name);
            assert.ok(text.includes(`modulePath: "${modulePath}"`), name);
            const shimFile = join(dir, `${name}.js`);
            writeFileSync(shimFile, text);
            const res = runPlainNode(script, repo, [shimFile, repo, JSON.stringify(news)]) as {
                checked: { inputs: Record<string, unknown>; failures: unknown[] };
            };
            assert.deepEqual(res.checked.failures, [], name);
            assert.deepEqual(res.checked.inputs[key], (news as Record<string, unknown>)[key], name);
        }
    });
});
