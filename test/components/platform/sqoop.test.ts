import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type * as k8sTypes from "@pulumi/kubernetes";
import type { SqoopArgs, SqoopImportSpec } from "../../../components/platform/sqoop";
import {
    one,
    ofType,
    plaintextOccurrences,
    recorded,
    settle,
    setupMocks,
} from "../../helpers/mocks";

setupMocks();

type SqoopModule = typeof import("../../../components/platform/sqoop");
let sqoop: SqoopModule;
let k8s: typeof k8sTypes;

before(async () => {
    k8s = await import("@pulumi/kubernetes");
    sqoop = await import("../../../components/platform/sqoop");
});

const JOB = "kubernetes:batch/v1:Job";
const CRON = "kubernetes:batch/v1:CronJob";
const IMAGE = "docker:index/image:Image";
const PASSWORD = "pg-password-marker-7f3a9c";

type JobSpec = k8sTypes.types.output.batch.v1.JobSpec;

const SEED: SqoopImportSpec = {
    connect: "jdbc:postgresql://postgres:5432/telemetry",
    username: "ingest",
    passwordFile: "file:///var/run/secrets/sqoop/password",
    table: "telemetry",
    columns: ["id", "name", "wattage"],
    targetDir: "/old-telemetry",
};

void describe("sqoopImportArgs", () => {
    const cases: [string, SqoopImportSpec, string[]][] = [
        [
            "seed 003: telemetry -> /old-telemetry with every default",
            SEED,
            [
                "import",
                "--connect",
                "jdbc:postgresql://postgres:5432/telemetry",
                "--username",
                "ingest",
                "--password-file",
                "file:///var/run/secrets/sqoop/password",
                "--table",
                "telemetry",
                "--columns",
                "id,name,wattage",
                "--target-dir",
                "/old-telemetry",
                "--temporary-rootdir",
                "/old-telemetry/_sqoop",
                "--incremental",
                "append",
                "--check-column",
                "id",
                "--num-mappers",
                "1",
                "--fields-terminated-by",
                ",",
                "--hive-drop-import-delims",
            ],
        ],
        [
            "a later check column moved first, a trailing slash, a tab delimiter and a manual last value",
            {
                ...SEED,
                table: "legacy.readings",
                columns: ["sensor", "wattage", "seq"],
                checkColumn: "seq",
                targetDir: "/lake/readings/",
                temporaryRootDir: "/tmp/sqoop",
                fieldDelimiter: "\t",
                lastValue: "41",
            },
            [
                "import",
                "--connect",
                "jdbc:postgresql://postgres:5432/telemetry",
                "--username",
                "ingest",
                "--password-file",
                "file:///var/run/secrets/sqoop/password",
                "--table",
                "legacy.readings",
                "--columns",
                "seq,sensor,wattage",
                "--target-dir",
                "/lake/readings",
                "--temporary-rootdir",
                "/tmp/sqoop",
                "--incremental",
                "append",
                "--check-column",
                "seq",
                "--num-mappers",
                "1",
                "--fields-terminated-by",
                "\t",
                "--hive-drop-import-delims",
                "--last-value",
                "41",
            ],
        ],
    ];
    for (const [title, spec, expected] of cases) {
        void it(`builds ${title}`, () => {
            assert.deepEqual(sqoop.sqoopImportArgs(spec), expected);
        });
    }

    const invalid: [string, SqoopImportSpec, string[]][] = [
        [
            "a password in the URL, a password file on HDFS and an empty user",
            {
                ...SEED,
                connect: "jdbc:postgresql://pg/db?user=x&password=hunter2",
                passwordFile: "/pw",
                username: "",
            },
            [
                "connect must not carry a password; the password comes from passwordFile",
                "username must not be empty",
                'passwordFile "/pw" must be a local file URI (file:///...)',
            ],
        ],
        [
            "a quoted table, an odd column, duplicates and a check column outside the list",
            {
                ...SEED,
                connect: "postgresql://pg/db",
                table: '"T"',
                columns: ["name", "name", "wat-tage"],
            },
            [
                'connect "postgresql://pg/db" must be a JDBC URL (jdbc:...)',
                'table ""T"" must be an unquoted identifier, optionally schema-qualified',
                'column "wat-tage" must be an unquoted identifier',
                "columns must be unique",
                'checkColumn "id" must be one of columns (name, name, wat-tage)',
            ],
        ],
        [
            "relative or globbed directories, a digit delimiter and a non-integer last value",
            {
                ...SEED,
                targetDir: "old",
                temporaryRootDir: "/tmp/*",
                fieldDelimiter: "1",
                lastValue: "4.5",
            },
            [
                'targetDir "old" must be an absolute HDFS path without globs',
                'temporaryRootDir "/tmp/*" must be an absolute HDFS path without globs',
                "fieldDelimiter \"1\" must be one character other than a digit, '-', '\\' or a line break",
                'lastValue "4.5" must be an integer',
            ],
        ],
        [
            "no columns and a line break",
            { ...SEED, columns: [], username: "a\nb" },
            [
                "columns must list at least one column",
                'checkColumn "id" must be one of columns ()',
                "values must not contain line breaks",
            ],
        ],
    ];
    for (const [title, spec, problems] of invalid) {
        void it(`rejects ${title}, listing every problem`, () => {
            assert.deepEqual(sqoop.validateSqoopImport(spec), problems);
            assert.throws(() => sqoop.sqoopImportArgs(spec), {
                message: `invalid Sqoop import of "${spec.table}":\n  - ${problems.join("\n  - ")}`,
            });
        });
    }
});

async function deploy(name: string, args: Partial<SqoopArgs> = {}) {
    const provider = new k8s.Provider(`${name}-k8s`, {});
    const parents = new Map<string, pulumi.Resource | undefined>();
    const options = new Map<string, pulumi.CustomResourceOptions>();
    const record: pulumi.ResourceTransformation = (t) => {
        parents.set(`${t.type} ${t.name}`, t.opts.parent);
        options.set(`${t.type} ${t.name}`, t.opts);
        return undefined;
    };
    const component = new sqoop.Sqoop(
        name,
        {
            namespace: "ingest",
            jdbcUrl: pulumi.output("jdbc:postgresql://postgres:5432/telemetry"),
            username: "ingest",
            passwordSecretName: pulumi.output("postgres-auth"),
            hadoopConfigMapName: pulumi.output("hdfs-hadoop-conf-abc"),
            ...args,
        },
        { providers: [provider], transformations: [record] },
    );
    await settle();
    return { component, parents, options };
}

function childrenOf(prefix: string): string[] {
    return recorded
        .filter((r) => r.name.startsWith(`${prefix}-`) || r.name === prefix)
        .map((r) => `${r.type} ${r.name}`)
        .sort();
}

const jobSpec = (name: string) => one(JOB, name).inputs.spec as JobSpec;
const jobName = (name: string) => (one(JOB, name).inputs.metadata as { name: string }).name;

void describe("Sqoop component", () => {
    void it("builds the image and creates exactly one import Job named after its spec", async () => {
        const { component, parents } = await deploy("sq");
        assert.deepEqual(childrenOf("sq"), [
            `${IMAGE} sq-image`,
            "ingest:components:Sqoop sq",
            `${JOB} sq-import`,
            "kubernetes:core/v1:ServiceAccount sq-import",
            "pulumi:providers:kubernetes sq-k8s",
        ]);
        const job = one(JOB, "sq-import");
        assert.match(job.provider ?? "", /::sq-k8s::/);
        assert.equal(parents.get(`${JOB} sq-import`), component);
        assert.match(jobName("sq-import"), /^sq-import-[0-9a-f]{10}$/);
        assert.equal(component.cronJobName, undefined);
        const image = one(IMAGE, "sq-image").inputs as {
            imageName: string;
            skipPush: boolean;
            build: { context: string };
        };
        assert.equal(image.imageName, "ingest.local/sqoop:1.4.7");
        assert.equal(image.skipPush, true);
        assert.equal(image.build.context, join(__dirname, "../../../components/platform/sqoop"));
    });

    void it("runs the seed import once, as non-root, with the password mounted from the Secret", async () => {
        await deploy("run");
        const spec = jobSpec("run-import");
        assert.equal(spec.backoffLimit, 3);
        assert.equal(spec.activeDeadlineSeconds, 3600);
        assert.equal(spec.ttlSecondsAfterFinished, 86400);
        assert.equal(spec.parallelism, 1);
        assert.equal(spec.completions, 1);
        const pod = spec.template.spec;
        assert.equal(pod.restartPolicy, "Never");
        assert.deepEqual(pod.securityContext, {
            runAsNonRoot: true,
            runAsUser: 10002,
            runAsGroup: 10002,
            fsGroup: 10002,
            seccompProfile: { type: "RuntimeDefault" },
        });
        assert.equal(pod.serviceAccountName, "run-import");
        assert.equal(pod.automountServiceAccountToken, false);
        const c = pod.containers[0];
        assert.equal(c.image, "ingest.local/sqoop:1.4.7");
        assert.deepEqual(c.args, sqoop.sqoopImportArgs({ ...SEED, username: "ingest" }));
        assert.deepEqual(c.env, [
            { name: "SQOOP_TARGET_DIR", value: "/old-telemetry" },
            { name: "SQOOP_FIELD_DELIMITER", value: "," },
            { name: "HADOOP_USER_NAME", value: "sqoop" },
        ]);
        assert.deepEqual(pod.volumes, [
            {
                name: "password",
                secret: {
                    secretName: "postgres-auth",
                    items: [{ key: "password", path: "password" }],
                    defaultMode: 0o440,
                },
            },
            { name: "hadoop-conf", configMap: { name: "hdfs-hadoop-conf-abc" } },
            { name: "tmp", emptyDir: { sizeLimit: "8Gi" } },
        ]);
        assert.deepEqual(
            c.volumeMounts.map((m) => [m.name, m.mountPath, m.readOnly]),
            [
                ["password", "/var/run/secrets/sqoop", true],
                ["hadoop-conf", "/etc/hadoop/conf", true],
                ["tmp", "/tmp", undefined],
            ],
        );
        assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    });

    void it("gives the Job a new name when the import changes, and the same name when it does not", async () => {
        await deploy("h1");
        await deploy("h2");
        await deploy("h3", { columns: ["id", "name"] });
        await deploy("h4", { passwordSecretKey: "postgres-password" });
        const suffix = (n: string) => jobName(n).slice(n.length + 1);
        assert.equal(suffix("h1-import"), suffix("h2-import"));
        assert.notEqual(suffix("h1-import"), suffix("h3-import"));
        assert.notEqual(suffix("h1-import"), suffix("h4-import"));
        assert.equal(
            (jobSpec("h4-import").template.spec.volumes[0].secret.items ?? [])[0].key,
            "postgres-password",
        );
    });

    void it("switches to a CronJob that forbids overlapping runs when a schedule is set", async () => {
        const { component } = await deploy("cr", {
            schedule: "15 3 * * *",
            image: "registry.example.com/sqoop@sha256:abc",
        });
        assert.deepEqual(childrenOf("cr"), [
            "ingest:components:Sqoop cr",
            `${CRON} cr-import`,
            "kubernetes:core/v1:ServiceAccount cr-import",
            "pulumi:providers:kubernetes cr-k8s",
        ]);
        assert.equal(component.jobName, undefined);
        const spec = one(CRON, "cr-import").inputs
            .spec as k8sTypes.types.output.batch.v1.CronJobSpec;
        assert.equal(spec.schedule, "15 3 * * *");
        assert.equal(spec.concurrencyPolicy, "Forbid");
        assert.equal(
            spec.jobTemplate.spec.template.spec.containers[0].image,
            "registry.example.com/sqoop@sha256:abc",
        );
        assert.equal(spec.jobTemplate.spec.backoffLimit, 3);
        assert.equal(spec.jobTemplate.spec.activeDeadlineSeconds, 3600);
    });

    void it("reads the password only from the mounted Secret file, never from an arg or env var", async () => {
        await deploy("pw");
        const c = jobSpec("pw-import").template.spec.containers[0];
        assert.ok(c.args.includes("--password-file"));
        assert.ok(!c.args.includes("--password"));
        assert.equal(
            c.args[c.args.indexOf("--password-file") + 1],
            `file://${sqoop.SQOOP_PASSWORD_FILE}`,
        );
        assert.ok(c.env.every((e) => e.valueFrom === undefined));
        await assert.rejects(
            () =>
                deploy("pwurl", {
                    jdbcUrl: `jdbc:postgresql://pg:5432/telemetry?password=${PASSWORD}`,
                }),
            /connect must not carry a password/,
        );
        const leaks = recorded
            .filter((r) => r.name.startsWith("pwurl"))
            .flatMap((r) =>
                plaintextOccurrences(r.inputs, [PASSWORD]).map((p) => `${r.name}: ${p}`),
            );
        assert.deepEqual(leaks, []);
    });

    void it("rejects bad args with one error listing every problem", async () => {
        await assert.rejects(
            () =>
                deploy("bad", {
                    columns: ["name"],
                    targetDir: "old",
                    schedule: "daily",
                    backoffLimit: -1,
                    activeDeadlineSeconds: 0,
                }),
            (err: Error) => {
                assert.match(err.message, /^Sqoop bad:/);
                assert.match(err.message, /checkColumn "id" must be one of columns \(name\)/);
                assert.match(err.message, /targetDir "old" must be an absolute HDFS path/);
                assert.match(err.message, /backoffLimit -1 must be 0 or more/);
                assert.match(err.message, /activeDeadlineSeconds 0 must be more than 0/);
                assert.match(err.message, /schedule "daily" must be a five-field cron expression/);
                return true;
            },
        );
        assert.equal(ofType(JOB).filter((r) => r.name.startsWith("bad")).length, 0);
    });

    void it("deletes the old Job before creating its replacement", async () => {
        const { options } = await deploy("dbr");
        assert.equal(options.get(`${JOB} dbr-import`)?.deleteBeforeReplace, true);
    });
});

void describe("Sqoop image", () => {
    const section = (file: string) =>
        /^ {4}<properties>[\s\S]*^ {4}<\/dependencies>/m.exec(
            readFileSync(join(__dirname, "../../..", file), "utf8"),
        )?.[0];

    void it("ships exactly the jars the real-service test runs", () => {
        const image = section("components/platform/sqoop/pom.xml");
        assert.ok(image?.includes("<classifier>hadoop260</classifier>"));
        assert.equal(section("scripts/services/maven/sqoop/pom.xml"), image);
    });

    void it("pins Sqoop 1.4.7 on a JDK and runs as the non-root user", () => {
        const dockerfile = readFileSync(
            join(__dirname, "../../../components/platform/sqoop/Dockerfile"),
            "utf8",
        );
        assert.match(dockerfile, /^ARG JDK_IMAGE=eclipse-temurin:[0-9._]+-jdk-jammy$/m);
        assert.match(dockerfile, /^FROM \$\{JDK_IMAGE\}$/m);
        assert.match(dockerfile, /^USER 10002:10002$/m);
        assert.equal(sqoop.SQOOP_VERSION, "1.4.7");
    });
});
