import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import type * as awsTypes from "@pulumi/aws";
import type * as k8sTypes from "@pulumi/kubernetes";
import type { DataLakeBucketArgs } from "../../../components/platform/dataLakeBucket";
import {
    isSecretValue,
    one,
    ofType,
    plaintextOccurrences,
    recorded,
    resolve,
    settle,
    setupMocks,
} from "../../helpers/mocks";

const SECRET_KEY = "MOCK-aws-secret-access-key-5e1f";

setupMocks({
    outputs: {
        "aws:s3/bucket:Bucket": (inputs) => {
            const bucket = (inputs.bucket as string | undefined) ?? "lake-auto-1a2b3c";
            return { bucket, arn: `arn:aws:s3:::${bucket}`, region: "eu-west-1" };
        },
        "aws:iam/user:User": () => ({ name: "lake-writer-9f8e7d" }),
        "aws:iam/accessKey:AccessKey": () => ({ secret: SECRET_KEY }),
    },
});

type Module = typeof import("../../../components/platform/dataLakeBucket");
let lake: Module;
let aws: typeof awsTypes;
let k8s: typeof k8sTypes;

before(async () => {
    aws = await import("@pulumi/aws");
    k8s = await import("@pulumi/kubernetes");
    lake = await import("../../../components/platform/dataLakeBucket");
});

const T = {
    bucket: "aws:s3/bucket:Bucket",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    pab: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    policy: "aws:s3/bucketPolicy:BucketPolicy",
    lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    user: "aws:iam/user:User",
    userPolicy: "aws:iam/userPolicy:UserPolicy",
    key: "aws:iam/accessKey:AccessKey",
    secret: "kubernetes:core/v1:Secret",
};

async function deploy(name: string, args: Partial<DataLakeBucketArgs> = {}, providers = true) {
    const awsProvider = new aws.Provider(`${name}-aws`, { region: "eu-west-1" });
    const k8sProvider = new k8s.Provider(`${name}-k8s`, {});
    const options = new Map<string, pulumi.CustomResourceOptions>();
    const record: pulumi.ResourceTransformation = (t) => {
        options.set(`${t.type} ${t.name}`, t.opts);
        return undefined;
    };
    const component = new lake.DataLakeBucket(
        name,
        { namespace: "ingest", ...args },
        { providers: providers ? [awsProvider, k8sProvider] : [], transformations: [record] },
    );
    await settle();
    return { component, options };
}

const childrenOf = (prefix: string) =>
    recorded
        .filter((r) => r.name === prefix || r.name.startsWith(`${prefix}-`))
        .map((r) => `${r.type} ${r.name}`)
        .sort();

const BUCKET_ARN = "arn:aws:s3:::lake-auto-1a2b3c";

void describe("DataLakeBucket pure builders", () => {
    void it("denies every non-TLS request to the bucket and its objects", () => {
        assert.deepEqual(JSON.parse(lake.denyInsecureTransportPolicy(BUCKET_ARN)), {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "DenyInsecureTransport",
                    Effect: "Deny",
                    Principal: "*",
                    Action: "s3:*",
                    Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`],
                    Condition: { Bool: { "aws:SecureTransport": "false" } },
                },
            ],
        });
    });

    const policies: [string, string | undefined, unknown[]][] = [
        [
            "SSE-S3",
            undefined,
            [
                {
                    Sid: "Bucket",
                    Effect: "Allow",
                    Action: [
                        "s3:ListBucket",
                        "s3:ListBucketMultipartUploads",
                        "s3:GetBucketLocation",
                    ],
                    Resource: BUCKET_ARN,
                },
                {
                    Sid: "Objects",
                    Effect: "Allow",
                    Action: [
                        "s3:PutObject",
                        "s3:GetObject",
                        "s3:AbortMultipartUpload",
                        "s3:ListMultipartUploadParts",
                    ],
                    Resource: `${BUCKET_ARN}/*`,
                },
            ],
        ],
        [
            "SSE-KMS",
            "arn:aws:kms:eu-west-1:111122223333:key/k1",
            [
                {
                    Sid: "Bucket",
                    Effect: "Allow",
                    Action: [
                        "s3:ListBucket",
                        "s3:ListBucketMultipartUploads",
                        "s3:GetBucketLocation",
                    ],
                    Resource: BUCKET_ARN,
                },
                {
                    Sid: "Objects",
                    Effect: "Allow",
                    Action: [
                        "s3:PutObject",
                        "s3:GetObject",
                        "s3:AbortMultipartUpload",
                        "s3:ListMultipartUploadParts",
                    ],
                    Resource: `${BUCKET_ARN}/*`,
                },
                {
                    Sid: "Encryption",
                    Effect: "Allow",
                    Action: ["kms:GenerateDataKey", "kms:Decrypt"],
                    Resource: "arn:aws:kms:eu-west-1:111122223333:key/k1",
                },
            ],
        ],
    ];
    for (const [title, kms, statements] of policies) {
        void it(`limits the writer to the bucket with ${title}`, () => {
            assert.deepEqual(JSON.parse(lake.writerPolicy(BUCKET_ARN, kms)), {
                Version: "2012-10-17",
                Statement: statements,
            });
        });
    }

    void it("renders lifecycle rules with an explicit filter and only the actions given", () => {
        assert.deepEqual(
            lake.lifecycleRules([
                ...lake.DEFAULT_LIFECYCLE_RULES,
                {
                    id: "raw",
                    prefix: "topics/raw/",
                    expirationDays: 365,
                    transitions: [{ days: 30, storageClass: "STANDARD_IA" }],
                },
            ]),
            [
                {
                    id: "housekeeping",
                    status: "Enabled",
                    filter: { prefix: "" },
                    expiration: undefined,
                    noncurrentVersionExpiration: { noncurrentDays: 30 },
                    transitions: undefined,
                    abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                },
                {
                    id: "raw",
                    status: "Enabled",
                    filter: { prefix: "topics/raw/" },
                    expiration: { days: 365 },
                    noncurrentVersionExpiration: undefined,
                    transitions: [{ days: 30, storageClass: "STANDARD_IA" }],
                    abortIncompleteMultipartUpload: undefined,
                },
            ],
        );
    });

    const invalid: [string, Partial<DataLakeBucketArgs>, string[]][] = [
        [
            "a bad bucket name and a rule id used twice",
            {
                bucketName: "Data_Lake",
                lifecycleRules: [
                    { id: "a", expirationDays: 1 },
                    { id: "a", expirationDays: 2 },
                ],
            },
            [
                `bucketName "Data_Lake" must be 3-63 lower-case letters, digits, '.' or '-'`,
                'lifecycleRules: id "a" is used twice',
            ],
        ],
        [
            "non-positive days and a rule without action",
            {
                lifecycleRules: [
                    {
                        id: "x",
                        expirationDays: 0,
                        transitions: [{ days: 1.5, storageClass: "GLACIER" }],
                    },
                    { id: "y", prefix: "p/" },
                ],
            },
            [
                "lifecycleRules x: expirationDays 0 must be a positive integer",
                "lifecycleRules x: transitions[0].days 1.5 must be a positive integer",
                "lifecycleRules y: the rule has no action",
            ],
        ],
    ];
    for (const [title, args, problems] of invalid) {
        void it(`rejects ${title}`, () => {
            assert.deepEqual(
                lake.dataLakeBucketProblems({ namespace: "ingest", ...args }),
                problems,
            );
        });
    }
});

void describe("DataLakeBucket component", () => {
    void it("creates the bucket, its five security settings, lifecycle, writer and Secret through the given providers", async () => {
        await deploy("lake");
        assert.deepEqual(childrenOf("lake"), [
            `${T.key} lake-writer`,
            `${T.user} lake-writer`,
            `${T.userPolicy} lake-writer`,
            `${T.bucket} lake`,
            `${T.lifecycle} lake-lifecycle`,
            `${T.ownership} lake-ownership`,
            `${T.policy} lake-tls-only`,
            `${T.pab} lake-public-access`,
            `${T.sse} lake-encryption`,
            `${T.versioning} lake-versioning`,
            "ingest:components:DataLakeBucket lake",
            `${T.secret} lake-s3-credentials`,
            "pulumi:providers:aws lake-aws",
            "pulumi:providers:kubernetes lake-k8s",
        ]);
        for (const r of recorded.filter(
            (x) =>
                x.name.startsWith("lake") &&
                !x.type.startsWith("pulumi:") &&
                !x.type.startsWith("ingest:"),
        )) {
            const expected = r.type.startsWith("kubernetes:") ? /::lake-k8s::/ : /::lake-aws::/;
            assert.match(r.provider ?? "", expected, `${r.type} ${r.name}`);
        }
    });

    void it("keeps the bucket private, versioned, encrypted, owner-enforced and TLS-only", async () => {
        const { options } = await deploy("sec");
        assert.deepEqual(one(T.bucket, "sec").inputs, { forceDestroy: false });
        assert.deepEqual(one(T.versioning, "sec-versioning").inputs, {
            bucket: "sec-id",
            versioningConfiguration: { status: "Enabled" },
        });
        assert.deepEqual(one(T.sse, "sec-encryption").inputs.rules, [
            { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
        ]);
        assert.deepEqual(one(T.pab, "sec-public-access").inputs, {
            bucket: "sec-id",
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        });
        assert.deepEqual(one(T.ownership, "sec-ownership").inputs.rule, {
            objectOwnership: "BucketOwnerEnforced",
        });
        const policy = one(T.policy, "sec-tls-only").inputs;
        assert.equal(
            policy.policy,
            lake.denyInsecureTransportPolicy("arn:aws:s3:::lake-auto-1a2b3c"),
        );
        assert.equal(
            (options.get(`${T.policy} sec-tls-only`)?.dependsOn as pulumi.Resource[]).length,
            1,
        );
        assert.deepEqual(one(T.lifecycle, "sec-lifecycle").inputs.rules, [
            {
                id: "housekeeping",
                status: "Enabled",
                filter: { prefix: "" },
                noncurrentVersionExpiration: { noncurrentDays: 30 },
                abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
            },
        ]);
    });

    void it("uses SSE-KMS with a bucket key and lets the writer use the key when one is given", async () => {
        await deploy("kms", {
            kmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:key/k1",
            bucketName: "grid-lake",
            forceDestroy: true,
        });
        assert.deepEqual(one(T.bucket, "kms").inputs, { bucket: "grid-lake", forceDestroy: true });
        assert.deepEqual(one(T.sse, "kms-encryption").inputs.rules, [
            {
                applyServerSideEncryptionByDefault: {
                    sseAlgorithm: "aws:kms",
                    kmsMasterKeyId: "arn:aws:kms:eu-west-1:111122223333:key/k1",
                },
                bucketKeyEnabled: true,
            },
        ]);
        assert.equal(
            one(T.userPolicy, "kms-writer").inputs.policy,
            lake.writerPolicy(
                "arn:aws:s3:::grid-lake",
                "arn:aws:kms:eu-west-1:111122223333:key/k1",
            ),
        );
    });

    void it("skips the lifecycle configuration when no rules are wanted", async () => {
        await deploy("nolc", { lifecycleRules: [] });
        assert.equal(ofType(T.lifecycle).filter((r) => r.name.startsWith("nolc")).length, 0);
    });

    void it("delivers the writer's key only as secret values of a Kubernetes Secret", async () => {
        const { component } = await deploy("cred", { secretName: "connect-s3" });
        assert.equal(one(T.userPolicy, "cred-writer").inputs.user, "lake-writer-9f8e7d");
        assert.equal(one(T.key, "cred-writer").inputs.user, "lake-writer-9f8e7d");
        const secret = one(T.secret, "cred-s3-credentials").inputs as {
            metadata: { name: string; namespace: string };
            type: string;
            stringData: Record<string, unknown>;
        };
        assert.equal(secret.metadata.name, "connect-s3");
        assert.equal(secret.metadata.namespace, "ingest");
        assert.equal(secret.type, "Opaque");
        // The whole stringData travels as one secret value.
        assert.ok(isSecretValue(secret.stringData));
        const data = secret.stringData.value as Record<string, unknown>;
        assert.deepEqual(Object.keys(data).sort(), [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "credentials",
        ]);
        assert.equal(data.AWS_ACCESS_KEY_ID, "cred-writer-id");
        assert.equal(data.AWS_SECRET_ACCESS_KEY, SECRET_KEY);
        assert.equal(
            data.credentials,
            `[default]\naws_access_key_id = cred-writer-id\naws_secret_access_key = ${SECRET_KEY}\n`,
        );
        const leaks = recorded
            .filter((r) => r.name.startsWith("cred"))
            .flatMap((r) =>
                plaintextOccurrences(r.inputs, [SECRET_KEY]).map(
                    (p) => `${r.type} ${r.name}: ${p}`,
                ),
            );
        assert.deepEqual(leaks, []);
        const outputs = {
            bucketName: await resolve(component.bucketName),
            bucketArn: await resolve(component.bucketArn),
            region: await resolve(component.region),
            secretName: await resolve(component.secretName),
            writerUserName: await resolve(component.writerUserName),
        };
        assert.deepEqual(outputs, {
            bucketName: "lake-auto-1a2b3c",
            bucketArn: "arn:aws:s3:::lake-auto-1a2b3c",
            region: "eu-west-1",
            secretName: "connect-s3",
            writerUserName: "lake-writer-9f8e7d",
        });
    });

    void it("refuses to run without explicit aws and kubernetes providers", async () => {
        await assert.rejects(() => deploy("noprov", {}, false), {
            message:
                "DataLakeBucket noprov:\n" +
                '  - opts.providers must include a provider for "aws" (no default provider is used)\n' +
                '  - opts.providers must include a provider for "kubernetes" (no default provider is used)',
        });
        assert.equal(ofType(T.bucket).filter((r) => r.name.startsWith("noprov")).length, 0);
    });
});
