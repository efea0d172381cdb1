/**
 * The S3 data lake: a private, encrypted, versioned bucket that only accepts TLS, and a writer
 * identity for the Kafka Connect S3 sink whose keys reach Connect only as a Kubernetes Secret.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { appLabels } from "./common";

/** Key of the AWS shared-credentials file (INI `[default]` profile) in the credentials Secret. */
export const AWS_CREDENTIALS_FILE_KEY = "credentials";
/** One lifecycle rule of the bucket. */
export interface LifecycleRuleArgs {
    /** Rule id, unique within the bucket. */
    readonly id: string;
    /** Key prefix the rule applies to. Defaults to the whole bucket. */
    readonly prefix?: string;
    /** Days after which current objects expire. Defaults to never. */
    readonly expirationDays?: number;
    /** Days after which replaced or deleted versions are removed. Defaults to never. */
    readonly noncurrentVersionExpirationDays?: number;
    /** Moves to cheaper storage classes, e.g. `{ days: 30, storageClass: "STANDARD_IA" }`. */
    readonly transitions?: readonly { readonly days: number; readonly storageClass: string }[];
    /** Days before an unfinished multipart upload is aborted. Defaults to never. */
    readonly abortIncompleteMultipartUploadDays?: number;
}

/** Arguments for {@link DataLakeBucket}. */
export interface DataLakeBucketArgs {
    /** Namespace of the credentials Secret (where Kafka Connect runs). */
    readonly namespace: pulumi.Input<string>;
    /** Bucket name. Defaults to a unique name derived from the component name. */
    readonly bucketName?: string;
    /** Name of the credentials Secret. Defaults to `<name>-s3-credentials`. */
    readonly secretName?: string;
    /** Lifecycle rules. Defaults to {@link DEFAULT_LIFECYCLE_RULES}; `[]` for none. */
    readonly lifecycleRules?: readonly LifecycleRuleArgs[];
    /** Let `pulumi destroy` delete a bucket that still holds objects. Defaults to false. */
    readonly forceDestroy?: boolean;
    /** KMS key ARN for SSE-KMS (the writer may use it). Defaults to SSE-S3 (AES256). */
    readonly kmsKeyArn?: pulumi.Input<string>;
    /** Tags on the bucket and the IAM user. Defaults to none. */
    readonly tags?: Readonly<Record<string, string>>;
}

/** Unfinished uploads and old versions would otherwise be kept (and billed) forever. */
export const DEFAULT_LIFECYCLE_RULES: readonly LifecycleRuleArgs[] = [
    {
        id: "housekeeping",
        abortIncompleteMultipartUploadDays: 7,
        noncurrentVersionExpirationDays: 30,
    },
];

/** What the Confluent S3 sink connector needs, and nothing else. */
export const S3_SINK_BUCKET_ACTIONS = [
    "s3:ListBucket",
    "s3:ListBucketMultipartUploads",
    "s3:GetBucketLocation",
];
/** Object-level actions of the S3 sink connector (multipart uploads of each flushed file). */
export const S3_SINK_OBJECT_ACTIONS = [
    "s3:PutObject",
    "s3:GetObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
];

/** Every problem with `args`, one message each; empty when valid. */
export function dataLakeBucketProblems(args: DataLakeBucketArgs): string[] {
    const problems: string[] = [];
    if (
        args.bucketName !== undefined &&
        !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(args.bucketName)
    ) {
        problems.push(
            `bucketName "${args.bucketName}" must be 3-63 lower-case letters, digits, '.' or '-'`,
        );
    }
    const ids = new Set<string>();
    for (const rule of args.lifecycleRules ?? DEFAULT_LIFECYCLE_RULES) {
        if (ids.has(rule.id)) problems.push(`lifecycleRules: id "${rule.id}" is used twice`);
        ids.add(rule.id);
        const days: [string, number | undefined][] = [
            ["expirationDays", rule.expirationDays],
            ["noncurrentVersionExpirationDays", rule.noncurrentVersionExpirationDays],
            ["abortIncompleteMultipartUploadDays", rule.abortIncompleteMultipartUploadDays],
            ...(rule.transitions ?? []).map((t, i): [string, number] => [
                `transitions[${i}].days`,
                t.days,
            ]),
        ];
        for (const [field, value] of days) {
            if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
                problems.push(
                    `lifecycleRules ${rule.id}: ${field} ${value} must be a positive integer`,
                );
            }
        }
        if (days.every(([, value]) => value === undefined)) {
            problems.push(`lifecycleRules ${rule.id}: the rule has no action`);
        }
    }
    return problems;
}

/** The bucket's lifecycle rules in the shape of `aws.s3.BucketLifecycleConfiguration`. */
export function lifecycleRules(
    rules: readonly LifecycleRuleArgs[],
): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
    return rules.map((rule) => ({
        id: rule.id,
        status: "Enabled",
        // Always a filter: the provider warns that a rule with neither filter nor prefix will
        // become an error; an empty prefix means the whole bucket.
        filter: { prefix: rule.prefix ?? "" },
        expiration: rule.expirationDays === undefined ? undefined : { days: rule.expirationDays },
        noncurrentVersionExpiration:
            rule.noncurrentVersionExpirationDays === undefined
                ? undefined
                : { noncurrentDays: rule.noncurrentVersionExpirationDays },
        transitions: rule.transitions?.map((t) => ({ days: t.days, storageClass: t.storageClass })),
        abortIncompleteMultipartUpload:
            rule.abortIncompleteMultipartUploadDays === undefined
                ? undefined
                : { daysAfterInitiation: rule.abortIncompleteMultipartUploadDays },
    }));
}

/** Bucket policy refusing every request that does not use TLS. */
export function denyInsecureTransportPolicy(bucketArn: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [bucketArn, `${bucketArn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ],
    });
}

/** IAM policy of the S3 sink's writer: this bucket only, plus the KMS key when there is one. */
export function writerPolicy(bucketArn: string, kmsKeyArn?: string): string {
    const statements: Record<string, unknown>[] = [
        { Sid: "Bucket", Effect: "Allow", Action: S3_SINK_BUCKET_ACTIONS, Resource: bucketArn },
        {
            Sid: "Objects",
            Effect: "Allow",
            Action: S3_SINK_OBJECT_ACTIONS,
            Resource: `${bucketArn}/*`,
        },
    ];
    if (kmsKeyArn) {
        statements.push({
            Sid: "Encryption",
            Effect: "Allow",
            Action: ["kms:GenerateDataKey", "kms:Decrypt"],
            Resource: kmsKeyArn,
        });
    }
    return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/**
 * An S3 bucket for the data lake and the credentials of its writer.
 *
 * Providers: pass both an `aws` and a `kubernetes` provider in `opts.providers`; every child takes
 * the one of its package, and the component refuses to fall back to a default provider. To target
 * LocalStack or another S3-compatible store, give the `aws.Provider` its endpoints, e.g.
 * `endpoints: [{ s3: "http://localhost:4566", iam: "http://localhost:4566", sts: "http://localhost:4566" }]`
 * with `s3UsePathStyle: true`, `skipCredentialsValidation: true` and `skipRequestingAccountId: true`
 * (and point the S3 sink's `store.url` at the same endpoint). Stores without IAM (MinIO, Ceph)
 * need their own user management instead of the IAM user made here.
 *
 * The access key lives only in the Kubernetes Secret (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`,
 * the variables the AWS SDK in the Connect worker reads) and, encrypted, in the Pulumi state;
 * no output of this component carries it.
 */
export class DataLakeBucket extends pulumi.ComponentResource {
    /** Bucket name. */
    public readonly bucketName: pulumi.Output<string>;
    /** Bucket ARN. */
    public readonly bucketArn: pulumi.Output<string>;
    /** Region the bucket lives in. */
    public readonly region: pulumi.Output<string>;
    /** Kubernetes Secret holding the writer's access key. */
    public readonly secretName: pulumi.Output<string>;
    /** IAM user the S3 sink writes as. */
    public readonly writerUserName: pulumi.Output<string>;

    constructor(name: string, args: DataLakeBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ingest:components:DataLakeBucket", name, {}, opts);

        const problems = dataLakeBucketProblems(args);
        for (const pkg of ["aws", "kubernetes"]) {
            if (!this.getProvider(`${pkg}::`)) {
                problems.push(
                    `opts.providers must include a provider for "${pkg}" (no default provider is used)`,
                );
            }
        }
        if (problems.length > 0) {
            throw new pulumi.ResourceError(
                `DataLakeBucket ${name}:\n  - ${problems.join("\n  - ")}`,
                this,
            );
        }
        const child = { parent: this };

        const bucket = new aws.s3.Bucket(
            name,
            { bucket: args.bucketName, forceDestroy: args.forceDestroy ?? false, tags: args.tags },
            child,
        );
        const versioning = new aws.s3.BucketVersioning(
            `${name}-versioning`,
            { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
            child,
        );
        new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            {
                bucket: bucket.id,
                rules: [
                    {
                        applyServerSideEncryptionByDefault: args.kmsKeyArn
                            ? { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn }
                            : { sseAlgorithm: "AES256" },
                        // Fewer KMS calls (and cost) per object; meaningless for AES256.
                        bucketKeyEnabled: args.kmsKeyArn ? true : undefined,
                    },
                ],
            },
            child,
        );
        const publicAccess = new aws.s3.BucketPublicAccessBlock(
            `${name}-public-access`,
            {
                bucket: bucket.id,
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            },
            child,
        );
        new aws.s3.BucketOwnershipControls(
            `${name}-ownership`,
            { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
            child,
        );
        new aws.s3.BucketPolicy(
            `${name}-tls-only`,
            { bucket: bucket.id, policy: bucket.arn.apply(denyInsecureTransportPolicy) },
            // S3 rejects policy changes that race the public-access block.
            { ...child, dependsOn: [publicAccess] },
        );
        const rules = args.lifecycleRules ?? DEFAULT_LIFECYCLE_RULES;
        if (rules.length > 0) {
            new aws.s3.BucketLifecycleConfiguration(
                `${name}-lifecycle`,
                { bucket: bucket.id, rules: lifecycleRules(rules) },
                // Noncurrent-version rules need versioning in place first.
                { ...child, dependsOn: [versioning] },
            );
        }

        const user = new aws.iam.User(`${name}-writer`, { tags: args.tags }, child);
        new aws.iam.UserPolicy(
            `${name}-writer`,
            {
                user: user.name,
                policy: pulumi
                    .all([bucket.arn, args.kmsKeyArn])
                    .apply(([arn, kms]) => writerPolicy(arn, kms)),
            },
            child,
        );
        const key = new aws.iam.AccessKey(`${name}-writer`, { user: user.name }, child);
        const secret = new k8s.core.v1.Secret(
            `${name}-s3-credentials`,
            {
                metadata: {
                    name: args.secretName ?? `${name}-s3-credentials`,
                    namespace: args.namespace,
                    labels: appLabels(name, "data-lake-bucket"),
                },
                type: "Opaque",
                stringData: {
                    AWS_ACCESS_KEY_ID: pulumi.secret(key.id),
                    AWS_SECRET_ACCESS_KEY: pulumi.secret(key.secret),
                    // The same key as an AWS shared-credentials file, which Connect mounts
                    // read-only: the worker never holds it in its environment.
                    [AWS_CREDENTIALS_FILE_KEY]: pulumi.secret(
                        pulumi.interpolate`[default]\naws_access_key_id = ${key.id}\naws_secret_access_key = ${key.secret}\n`,
                    ),
                },
            },
            child,
        );

        this.bucketName = bucket.bucket;
        this.bucketArn = bucket.arn;
        this.region = bucket.region;
        this.secretName = secret.metadata.name;
        this.writerUserName = user.name;
        this.registerOutputs({
            bucketName: this.bucketName,
            bucketArn: this.bucketArn,
            region: this.region,
            secretName: this.secretName,
            writerUserName: this.writerUserName,
        });
    }
}
