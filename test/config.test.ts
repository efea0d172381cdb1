import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as yaml from "js-yaml";
import { ConfigError, configSchema, parseSettings } from "../config";

const minimal = { kubernetes: { context: "kind-ingest", clusterIdentifier: "kind-ingest" } };

function problemsOf(raw: Record<string, unknown>): string[] {
    try {
        parseSettings(raw);
    } catch (e) {
        assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
        return e.problems;
    }
    assert.fail("expected the config to be rejected");
}

describe("config validation", () => {
    const cases: { name: string; raw: Record<string, unknown>; problems: string[] }[] = [
        {
            name: "missing kubernetes context and cluster identifier",
            raw: {},
            problems: [
                "kubernetes.context: is required. Fix: pulumi config set --path 'kubernetes.context' kind-ingest",
                "kubernetes.clusterIdentifier: is required. Fix: pulumi config set --path 'kubernetes.clusterIdentifier' kind-ingest",
            ],
        },
        {
            name: "zero brokers",
            raw: { ...minimal, kafka: { replicas: 0 } },
            problems: [
                "kafka.replicas: Too small: expected number to be >=1. Fix: pulumi config set --path 'kafka.replicas' 1",
            ],
        },
        {
            name: "unknown security mode",
            raw: { ...minimal, kafka: { security: "tls" } },
            problems: [
                `kafka.security: Invalid option: expected one of "plaintext"|"sasl". Fix: pulumi config set --path 'kafka.security' plaintext`,
            ],
        },
        {
            name: "typo in a key",
            raw: { ...minimal, kafka: { replica: 3 } },
            problems: [
                "kafka.replica: unknown key (a typo?). Fix: pulumi config rm --path 'kafka.replica'",
            ],
        },
        {
            name: "latest image tag",
            raw: { ...minimal, kafka: { image: { tag: "latest" } } },
            problems: [
                "kafka.image.tag: must be an exact tag, not latest. Fix: pulumi config set --path 'kafka.image.tag' <value>",
            ],
        },
        {
            name: "NodePort outside the range",
            raw: { ...minimal, connect: { nodePort: 8083 } },
            problems: [
                "connect.nodePort: Too small: expected number to be >=30000. Fix: pulumi config set --path 'connect.nodePort' 30000",
            ],
        },
        {
            name: "replication factor above the broker count",
            raw: { ...minimal, kafka: { replicas: 1, defaultReplicationFactor: 3 } },
            problems: [
                "kafka.defaultReplicationFactor: is 3 but only 1 broker(s) are deployed (kafka.replicas). Fix: pulumi config set --path 'kafka.defaultReplicationFactor' <value>",
            ],
        },
        {
            name: "min ISR above the replication factor",
            raw: { ...minimal, kafka: { replicas: 3, minInsyncReplicas: 4 } },
            problems: [
                "kafka.minInsyncReplicas: is 4 but the replication factor is 3; writes with acks=all would always fail. Fix: pulumi config set --path 'kafka.minInsyncReplicas' <value>",
            ],
        },
        {
            name: "bad quantity and bad namespace together",
            raw: {
                kubernetes: { ...minimal.kubernetes, namespace: "Ingest_NS" },
                postgres: { resources: { memoryLimit: "lots" } },
            },
            problems: [
                "kubernetes.namespace: must be a DNS-1123 label. Fix: pulumi config set --path 'kubernetes.namespace' <value>",
                "postgres.resources.memoryLimit: must be a Kubernetes quantity such as 500m, 1, 512Mi or 8Gi. Fix: pulumi config set --path 'postgres.resources.memoryLimit' <value>",
            ],
        },
        {
            name: "Connect URL that is not http",
            raw: { ...minimal, connect: { url: "ftp://connect:8083" } },
            problems: [
                "connect.url: must be an http(s) URL. Fix: pulumi config set --path 'connect.url' http://localhost:30083",
            ],
        },
    ];
    for (const c of cases) {
        it(`rejects ${c.name} with the exact fix`, () => {
            assert.deepEqual(problemsOf(c.raw), c.problems);
        });
    }

    it("reports every problem in one error", () => {
        const raw = { kafka: { replicas: 0, security: "tls" }, connect: { nodePort: 1 } };
        try {
            parseSettings(raw);
            assert.fail("expected rejection");
        } catch (e) {
            assert.ok(e instanceof ConfigError);
            assert.equal(e.problems.length, 5);
            assert.match(
                e.message,
                /^Invalid stack configuration \(5 problems\):\n {2}- kubernetes\.context/,
            );
        }
    });

    it("fills every default from a minimal config", () => {
        const s = parseSettings(minimal);
        assert.equal(s.kubernetes.namespace, "ingest");
        assert.equal(s.kafka.replicas, 1);
        assert.equal(s.kafka.chartVersion, "32.4.4");
        assert.deepEqual(s.kafka.image, {
            registry: "docker.io",
            repository: "bitnamilegacy/kafka",
            tag: "4.0.0-debian-12-r10",
        });
        assert.equal(s.connect.groupId, "ingest-connect");
        assert.equal(s.ksqldb.enabled, true);
        assert.equal(s.postgres.database, "telemetry");
        assert.equal(s.protect, false);
    });
});

describe("Pulumi.yaml", () => {
    const project = yaml.load(readFileSync(path.join(__dirname, "..", "Pulumi.yaml"), "utf8")) as {
        config: Record<string, { type: string; description: string; default?: unknown }>;
    };

    it("declares every key the program reads, with a type and a description", () => {
        const declared = Object.keys(project.config).sort();
        assert.deepEqual(declared, [...Object.keys(configSchema.shape), "postgresPassword"].sort());
        for (const [key, decl] of Object.entries(project.config)) {
            assert.ok(
                ["object", "boolean", "string"].includes(decl.type),
                `${key} has type ${decl.type}`,
            );
            assert.ok(decl.description.length > 20, `${key} needs a description`);
        }
    });

    it("states the same defaults as the schema", () => {
        for (const [key, schema] of Object.entries(configSchema.shape)) {
            const parsed = schema.safeParse(undefined);
            if (parsed.success) assert.deepEqual(project.config[key].default, parsed.data, key);
            else assert.equal(project.config[key].default, undefined, `${key} is required`);
        }
    });

    for (const stack of ["dev", "prod"]) {
        it(`has a ${stack} stack file that passes validation`, () => {
            const file = yaml.load(
                readFileSync(path.join(__dirname, "..", `Pulumi.${stack}.yaml`), "utf8"),
            ) as { config: Record<string, unknown> };
            const raw = Object.fromEntries(
                Object.entries(file.config).map(([k, v]) => [
                    k.replace(/^ingest-platform:/, ""),
                    v,
                ]),
            );
            assert.doesNotThrow(() => parseSettings(raw));
        });
    }
});
