import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as yaml from "js-yaml";
import {
    ConfigError,
    configPath,
    configSchema,
    looksSecret,
    parseConfig,
    parseSettings,
    secretKeys,
    type RawConfig,
} from "../config";

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
        assert.deepEqual(declared, [...Object.keys(configSchema.shape), ...secretKeys].sort());
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

/** The config as the engine hands it over: JSON text for structured values. */
function rawOf(values: Record<string, unknown>, secret: string[] = []): RawConfig {
    return {
        values: Object.fromEntries(
            Object.entries(values).map(([k, v]) => [
                k,
                typeof v === "string" ? v : JSON.stringify(v),
            ]),
        ),
        secretKeys: secret,
    };
}

function configProblems(raw: RawConfig): string[] {
    try {
        parseConfig(raw);
    } catch (e) {
        assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
        return e.problems;
    }
    assert.fail("expected the config to be rejected");
}

const k8s = { kubernetes: minimal.kubernetes };
const jdbc = (config: Record<string, unknown>) => ({
    ...k8s,
    pipelines: {
        connectors: [
            {
                name: "users-jdbc",
                config: {
                    "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
                    ...config,
                },
            },
        ],
    },
});

describe("config as `pulumi config set` writes it", () => {
    const cases: { name: string; raw: RawConfig; problems: string[] }[] = [
        {
            name: "a string where a number belongs",
            raw: rawOf({ ...k8s, kafka: { replicas: "three" } }),
            problems: [
                "kafka.replicas: must be a number, not a string. Fix: pulumi config set --path 'kafka.replicas' 1",
            ],
        },
        {
            name: "a boolean key set to a word",
            raw: rawOf({ ...k8s, protect: "yes" }),
            problems: [
                "protect: must be a boolean, not a string. Fix: pulumi config set --path 'protect' true",
            ],
        },
        {
            name: "a structured key set to a plain value",
            raw: rawOf({ ...k8s, kafka: "kafka-1:9092" }),
            problems: [
                "kafka: must be an object, not a string. Fix: pulumi config rm --path 'kafka' && pulumi config set --path 'kafka.<key>' <value>",
            ],
        },
        {
            name: "a list set as an object",
            raw: rawOf({ ...k8s, pipelines: { topics: { name: "clicks" } } }),
            problems: [
                "pipelines.topics: must be a list, not an object. Fix: pulumi config rm --path 'pipelines.topics' && pulumi config set --path 'pipelines.topics[0]' <value>",
            ],
        },
        {
            name: "a bad list item, with the list index in --path syntax",
            raw: rawOf({ ...k8s, pipelines: { topics: [{ name: "ok" }, { name: "bad name" }] } }),
            problems: [
                "pipelines.topics[1].name: must be a valid Kafka topic name. Fix: pulumi config set --path 'pipelines.topics[1].name' <value>",
            ],
        },
        {
            name: "a dotted map key, quoted as --path needs it",
            raw: rawOf({
                ...k8s,
                pipelines: { topics: [{ name: "t", config: { "retention.ms": { days: 7 } } }] },
            }),
            problems: [
                `pipelines.topics[0].config["retention.ms"]: must be a string, not an object. Fix: pulumi config set --path 'pipelines.topics[0].config["retention.ms"]' <value>`,
            ],
        },
        {
            name: "a typo in a top-level key",
            raw: rawOf({ ...k8s, kafak: { replicas: 3 } }),
            problems: [
                "kafak: unknown key (did you mean kafka?). Fix: pulumi config rm 'kafak', then pulumi config set --path 'kafka.<key>' <value>",
            ],
        },
        {
            name: "a typo in the password key",
            raw: rawOf({ ...k8s, postgresPasword: "x" }, ["postgresPasword"]),
            problems: [
                "postgresPasword: unknown key (did you mean postgresPassword?). Fix: pulumi config rm 'postgresPasword', then pulumi config set --secret postgresPassword <password>",
            ],
        },
        {
            name: "an empty string where a name belongs",
            raw: rawOf({ ...k8s, connect: { groupId: "" } }),
            problems: [
                "connect.groupId: Too small: expected string to have >=1 characters. Fix: pulumi config set --path 'connect.groupId' <value>",
            ],
        },
        {
            name: "a Sqoop schedule that is not a cron expression",
            raw: rawOf({ ...k8s, sqoop: { schedule: "every hour" } }),
            problems: [
                `sqoop.schedule: must be a five-field cron expression such as "0 * * * *" (minute hour day month weekday). Fix: pulumi config set --path 'sqoop.schedule' '0 * * * *'`,
            ],
        },
        {
            name: "an unknown top-level key",
            raw: rawOf({ ...k8s, region: "eu-west-1" }),
            problems: ["region: unknown key (a typo?). Fix: pulumi config rm 'region'"],
        },
        {
            name: "a structured value set without --path",
            raw: rawOf({ ...k8s, "kafka.replicas": "3" }),
            problems: [
                "kafka.replicas: unknown key: a structured value set without --path. Fix: pulumi config rm 'kafka.replicas' && pulumi config set --path 'kafka.replicas' 3",
            ],
        },
        {
            name: "a secret set without --path (its value never shown)",
            raw: rawOf({ ...k8s, "connectorSecrets.users-jdbc": "hunter2" }, [
                "connectorSecrets.users-jdbc",
            ]),
            problems: [
                "connectorSecrets.users-jdbc: unknown key: a structured value set without --path. Fix: pulumi config rm 'connectorSecrets.users-jdbc' && pulumi config set --secret --path 'connectorSecrets.users-jdbc' <value>",
            ],
        },
        {
            name: "pipelines only with no service to declare against",
            raw: rawOf({ kubernetes: { enabled: false } }),
            problems: [
                "kubernetes.enabled: is false (deploy nothing into a cluster) but no service is configured, so the stack would declare nothing; set at least one of kafka.externalBootstrapServers, kafka.hostBootstrapServers, connect.url, ksqldb.url, hdfs.webhdfsUrl. Fix: pulumi config set --path 'kubernetes.enabled' true, or pulumi config set --path 'connect.url' http://localhost:30083 (and the other service URLs)",
            ],
        },
        {
            name: "a WebHDFS URL without the REST root",
            raw: rawOf({ ...k8s, hdfs: { webhdfsUrl: "http://namenode:9870/" } }),
            problems: [
                "hdfs.webhdfsUrl: must end in /webhdfs/v1 (the WebHDFS REST root), such as http://localhost:30870/webhdfs/v1. Fix: pulumi config set --path 'hdfs.webhdfsUrl' http://localhost:30870/webhdfs/v1",
            ],
        },
        {
            name: "passwords, secrets and keys in plain connector config",
            raw: rawOf(
                jdbc({
                    "connection.user": "ingest",
                    "connection.password": "hunter2",
                    "aws.secret.access.key": "abc",
                    "ssl.key": "-----BEGIN",
                    "key.converter": "org.apache.kafka.connect.storage.StringConverter",
                    "s3.credentials.provider.class":
                        "com.amazonaws.auth.DefaultAWSCredentialsProviderChain",
                    "db.password": "${file:/etc/connect/db.properties:password}",
                }),
            ),
            problems: ["connection.password", "aws.secret.access.key", "ssl.key"].map(
                (key) =>
                    `pipelines.connectors[0].config["${key}"]: looks like a secret, and plain connector config is stored in plaintext in the stack file and the state; secret keys go in connectorSecrets. Fix: pulumi config rm --path 'pipelines.connectors[0].config["${key}"]' && pulumi config set --secret --path 'connectorSecrets.users-jdbc["${key}"]' <value>`,
            ),
        },
        {
            name: "a secret-looking key in pipelines.sinkConfig",
            raw: rawOf({
                ...k8s,
                pipelines: {
                    sinkConfig: {
                        "flush.size": "100",
                        "hdfs.kerberos.password": "hunter2",
                        "s3.proxy.password": "${env:PROXY_PASSWORD}",
                    },
                },
            }),
            problems: [
                `pipelines.sinkConfig["hdfs.kerberos.password"]: looks like a secret, and sinkConfig is merged in plaintext into every built-in sink's config, the stack file and the state; a sink that needs a secret is declared in pipelines.connectors with its secret keys in connectorSecrets. Fix: pulumi config rm --path 'pipelines.sinkConfig["hdfs.kerberos.password"]', then declare the sink in pipelines.connectors and run pulumi config set --secret --path 'connectorSecrets.<connector>["hdfs.kerberos.password"]' <value>`,
            ],
        },
        {
            name: "a password set without --secret",
            raw: rawOf({ ...k8s, postgresPassword: "hunter2" }),
            problems: [
                "postgresPassword: is stored in plaintext in the stack file (set without --secret). Fix: pulumi config set --secret postgresPassword <password> (then rotate it: it was committed)",
            ],
        },
        {
            name: "an external Postgres without a password",
            raw: rawOf({ ...k8s, postgres: { externalHost: "db:5432" }, postgresPassword: "" }),
            problems: [
                "postgresPassword: is required when postgres.externalHost is set (it cannot be generated for a server this stack does not create). Fix: pulumi config set --secret postgresPassword <password>",
            ],
        },
        {
            name: "connector secrets in plaintext, for an unknown connector, or doubling plain config",
            raw: rawOf({
                ...jdbc({ "connection.user": "ingest" }),
                connectorSecrets: {
                    "users-jdbc": { "connection.password": "p", "connection.user": "u" },
                    "users-jbdc": { "connection.password": "p" },
                },
            }),
            problems: [
                `connectorSecrets: is stored in plaintext in the stack file (set without --secret). Fix: pulumi config rm connectorSecrets && pulumi config set --secret --path 'connectorSecrets["<connector>"]["<key>"]' <value> for each key`,
                `connectorSecrets.users-jdbc["connection.user"]: is also set in plain config (pipelines.connectors[0].config["connection.user"]). Fix: pulumi config rm --path 'pipelines.connectors[0].config["connection.user"]'`,
                "connectorSecrets.users-jbdc: no connector of that name in pipelines.connectors (declared: users-jdbc). Fix: pulumi config rm --path 'connectorSecrets.users-jbdc', or declare the connector",
            ],
        },
        {
            name: "connector secrets that are not a map per connector",
            raw: rawOf({ ...k8s, connectorSecrets: { "users-jdbc": "hunter2" } }, [
                "connectorSecrets",
            ]),
            problems: [
                "connectorSecrets.users-jdbc: must be an object, not a string. Fix: pulumi config rm --path 'connectorSecrets.users-jdbc' && pulumi config set --secret --path 'connectorSecrets.users-jdbc.<key>' <value>",
            ],
        },
    ];
    for (const c of cases) {
        it(`rejects ${c.name} with the exact fix`, () => {
            assert.deepEqual(configProblems(c.raw), c.problems);
        });
    }

    it("never puts a secret value in a message", () => {
        const raw = rawOf(
            {
                ...jdbc({ "connection.password": "hunter2-plain" }),
                postgresPassword: "hunter2-pg",
                connectorSecrets: { "users-jbdc": { x: "hunter2-conn" } },
            },
            ["connectorSecrets"],
        );
        const message = configProblems(raw).join("\n");
        assert.doesNotMatch(message, /hunter2/);
    });

    it("accepts numbers and booleans that --path stored in string fields as their string form", () => {
        const { settings } = parseConfig(
            rawOf({
                ...k8s,
                kafka: { resources: { cpuLimit: 2 }, image: { tag: 4 } },
                pipelines: {
                    topics: [
                        { name: "clicks", config: { "retention.ms": 604800000, compact: true } },
                    ],
                    directories: [{ path: "/clicks", permission: 750 }],
                    connectors: [{ name: "c", config: { "connector.class": "X", "tasks.max": 2 } }],
                    sinkConfig: { "flush.size": 100 },
                    powerGrid: { sensors: [7, "8"] },
                },
            }),
        );
        assert.equal(settings.kafka.resources.cpuLimit, "2");
        assert.equal(settings.kafka.image.tag, "4");
        const p = settings.pipelines;
        assert.deepEqual(p.topics[0].config, { "retention.ms": "604800000", compact: "true" });
        assert.equal(p.directories[0].permission, "750");
        assert.deepEqual(p.connectors[0].config, { "connector.class": "X", "tasks.max": "2" });
        assert.deepEqual(p.sinkConfig, { "flush.size": "100" });
        assert.deepEqual(p.powerGrid.sensors, ["7", "8"]);
    });

    it("reads the empty default password as unset and keeps encrypted secrets", () => {
        const unset = parseConfig(rawOf({ ...k8s, postgresPassword: "", connectorSecrets: {} }));
        assert.equal(unset.postgresPassword, undefined);
        assert.deepEqual(unset.connectorSecrets, {});
        const set = parseConfig(
            rawOf(
                {
                    ...jdbc({}),
                    postgresPassword: "pg-secret",
                    connectorSecrets: { "users-jdbc": { "connection.password": "p" } },
                },
                ["postgresPassword", "connectorSecrets"],
            ),
        );
        assert.equal(set.postgresPassword, "pg-secret");
        assert.deepEqual(set.connectorSecrets, { "users-jdbc": { "connection.password": "p" } });
    });

    it("accepts a pipelines-only stack with one service", () => {
        const { settings } = parseConfig(
            rawOf({ kubernetes: { enabled: false }, connect: { url: "http://localhost:8083" } }),
        );
        assert.equal(settings.kubernetes.enabled, false);
    });

    it("writes --path keys the way the CLI parses them", () => {
        assert.equal(configPath(["a", 0, "b"]), "a[0].b");
        assert.equal(configPath(["sinkConfig", "flush.size"]), 'sinkConfig["flush.size"]');
        assert.equal(configPath(["connectorSecrets", "users-jdbc"]), "connectorSecrets.users-jdbc");
    });

    const secretLike: [string, string, boolean][] = [
        ["connection.password", "x", true],
        ["ssl.keystore.password", "x", true],
        ["aws.secret.access.key", "x", true],
        ["ssl.key", "x", true],
        ["key", "x", true],
        ["sasl.jaas.config", "x", true],
        ["gcs.credentials.json", "x", true],
        ["key.converter", "x", false],
        ["s3.credentials.provider.class", "x", false],
        ["connection.password", "${env:PG_PASSWORD}", false],
        ["connection.user", "x", false],
    ];
    for (const [key, value, expected] of secretLike) {
        it(`${expected ? "treats" : "does not treat"} ${key}=${value} as a secret`, () => {
            assert.equal(looksSecret(key, value), expected);
        });
    }
});

/** A project config declaration as Pulumi.yaml states it. */
interface Declaration {
    readonly type: string;
    readonly secret?: boolean;
    readonly default?: unknown;
}

/** A stack file value is encrypted when it, or a value inside it, is `{ secure: ... }`. */
function isEncrypted(v: unknown): boolean {
    if (typeof v !== "object" || v === null) return false;
    if (Object.keys(v).length === 1 && "secure" in v) return true;
    return Object.values(v).some(isEncrypted);
}

/**
 * The checks the Pulumi CLI makes on project config before it starts the program (pkg
 * workspace mergeConfig / validateStackConfigValue): a declared key the stack does not set and
 * without a default is missing; a key declared secret must hold an encrypted value, and a
 * default is applied as a plain one.
 */
function cliConfigErrors(
    project: { name: string; config: Record<string, Declaration> },
    stackName: string,
    stackConfig: Record<string, unknown>,
): string[] {
    const errors: string[] = [];
    const missing: string[] = [];
    for (const [key, decl] of Object.entries(project.config)) {
        const value = stackConfig[`${project.name}:${key}`];
        if (value === undefined && decl.default === undefined) {
            missing.push(key);
        } else if (decl.secret && !(value !== undefined && isEncrypted(value))) {
            errors.push(
                `Stack '${stackName}' with configuration key '${key}' must be encrypted as it's secret`,
            );
        }
    }
    if (missing.length > 0) {
        errors.unshift(
            `Stack '${stackName}' is missing configuration value '${missing.join("', '")}'`,
        );
    }
    return errors;
}

describe("Pulumi.yaml as the Pulumi CLI reads it", () => {
    const root = path.join(__dirname, "..");
    const project = yaml.load(readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as {
        name: string;
        config: Record<string, Declaration>;
    };
    const stackFile = (stack: string) =>
        (
            yaml.load(readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8")) as {
                config: Record<string, unknown>;
            }
        ).config;

    for (const stack of ["dev", "prod"]) {
        it(`accepts the committed ${stack} stack, which sets no password`, () => {
            assert.equal(stackFile(stack)[`${project.name}:postgresPassword`], undefined);
            assert.deepEqual(cliConfigErrors(project, stack, stackFile(stack)), []);
        });
    }

    it("rejects the old declaration (secret with a plain default) the way the CLI did", () => {
        const old = {
            ...project,
            config: {
                ...project.config,
                postgresPassword: { type: "string", secret: true, default: "" },
            },
        };
        assert.deepEqual(cliConfigErrors(old, "dev", stackFile("dev")), [
            "Stack 'dev' with configuration key 'postgresPassword' must be encrypted as it's secret",
        ]);
        const noDefault = {
            ...project,
            config: { ...project.config, postgresPassword: { type: "string", secret: true } },
        };
        assert.deepEqual(cliConfigErrors(noDefault, "dev", stackFile("dev")), [
            "Stack 'dev' is missing configuration value 'postgresPassword'",
        ]);
    });

    it("declares no secret key with a default, and every secret key the program reads", () => {
        for (const key of secretKeys) {
            const decl = project.config[key];
            assert.ok(decl, `${key} is declared`);
            assert.ok(
                !(decl.secret && decl.default !== undefined),
                `${key}: secret with a default`,
            );
            assert.notEqual(decl.default, undefined, `${key} needs a default: unset is allowed`);
        }
    });
});
