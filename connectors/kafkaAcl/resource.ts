/**
 * `KafkaAcl`: the ALLOW ACLs of one Kafka principal, managed through the Kafka admin protocol
 * (kafkajs CreateAcls/DescribeAcls/DeleteAcls) by a Pulumi dynamic provider. The resource owns
 * every ALLOW ACL of its principal: `read` reports them all, so one added out of band shows as
 * drift and the next `up` removes it. The brokers must run an authorizer (KRaft's
 * StandardAuthorizer) and the admin credentials must be a super user's.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as kafkajsTypes from "kafkajs";
import { providerRef } from "../providerRef";
import {
    KAFKA_ACL_PROVIDER_VERSION,
    checkAcl,
    diffAcl,
    normalizeBindings,
    planAclChanges,
    type AclBinding,
    type AclInputs,
} from "./inputs";

export * from "./inputs";

/** kafkajs' numeric codes (AclResourceTypes, ResourcePatternTypes, AclOperationTypes). */
const RESOURCE_TYPE = { topic: 2, group: 3, cluster: 4, transactionalId: 5 } as const;
const PATTERN = { literal: 3, prefixed: 4 } as const;
const OPERATION = {
    ALL: 2,
    READ: 3,
    WRITE: 4,
    CREATE: 5,
    DELETE: 6,
    ALTER: 7,
    DESCRIBE: 8,
    CLUSTER_ACTION: 9,
    DESCRIBE_CONFIGS: 10,
    ALTER_CONFIGS: 11,
    IDEMPOTENT_WRITE: 12,
} as const;
const ANY = 1;
const ALLOW = 3;

const byCode = <K extends string>(m: Record<K, number>, code: number) =>
    (Object.keys(m) as K[]).find((k) => m[k] === code);

/** The kafkajs ACL entry of a binding for `principal`, from any host. */
export function aclEntry(principal: string, b: AclBinding): kafkajsTypes.AclEntry {
    return {
        resourceType: RESOURCE_TYPE[b.resourceType],
        resourceName: b.name,
        resourcePatternType: PATTERN[b.pattern],
        principal,
        host: "*",
        operation: OPERATION[b.operation],
        permissionType: ALLOW,
    };
}

/** The principal's ALLOW bindings in a DescribeAcls answer (other kinds are not ours to manage). */
export function bindingsFrom(
    principal: string,
    res: Pick<kafkajsTypes.DescribeAclResponse, "resources">,
): AclBinding[] {
    const out: AclBinding[] = [];
    for (const r of res.resources) {
        const resourceType = byCode(RESOURCE_TYPE, r.resourceType as number);
        const pattern = byCode(PATTERN, r.resourcePatternType as number);
        if (!resourceType || !pattern) continue;
        for (const a of r.acls) {
            const operation = byCode(OPERATION, a.operation as number);
            if (a.principal !== principal || (a.permissionType as number) !== ALLOW) continue;
            if (a.host !== "*" || !operation) continue;
            out.push({ resourceType, name: r.resourceName, pattern, operation });
        }
    }
    return normalizeBindings(out);
}

/** The admin calls the provider makes (a fake implements them in the unit tests). */
export type AclAdmin = Pick<kafkajsTypes.Admin, "createAcls" | "describeAcls" | "deleteAcls">;

/** The principal's live ALLOW bindings. */
export async function liveBindings(admin: AclAdmin, principal: string): Promise<AclBinding[]> {
    const res = await admin.describeAcls({
        resourceType: ANY,
        resourcePatternType: ANY,
        principal,
        operation: ANY,
        permissionType: ALLOW,
    });
    return bindingsFrom(principal, res);
}

/** Brings the principal's ACLs from what is live to `wanted`; returns what is live afterwards. */
export async function converge(
    admin: AclAdmin,
    principal: string,
    wanted: readonly AclBinding[],
): Promise<AclBinding[]> {
    const { add, remove } = planAclChanges(await liveBindings(admin, principal), wanted);
    if (add.length > 0) await admin.createAcls({ acl: add.map((b) => aclEntry(principal, b)) });
    if (remove.length > 0) {
        await admin.deleteAcls({
            filters: remove.map((b) => aclEntry(principal, b) as kafkajsTypes.AclFilter),
        });
    }
    const after = await liveBindings(admin, principal);
    const missing = planAclChanges(after, wanted).add;
    if (missing.length > 0) {
        throw new Error(
            `ACLs of ${principal}: the brokers did not keep ${missing.length} of the declared ` +
                `bindings (e.g. ${missing[0].operation} on ${missing[0].resourceType} ` +
                `${missing[0].name})`,
        );
    }
    return after;
}

/** Runs `fn` with a connected admin client, created here so nothing is captured in the state. */
async function withAdmin<T>(p: AclInputs, fn: (admin: kafkajsTypes.Admin) => Promise<T>) {
    // Required here, not imported at module level: see connectors/http.ts.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const kafkajs = require("kafkajs") as typeof kafkajsTypes;
    const admin = new kafkajs.Kafka({
        clientId: "pulumi-kafka-acl",
        brokers: p.bootstrapServers.split(","),
        ssl: p.ssl ? (p.ca ? { ca: [p.ca] } : true) : false,
        sasl: p.sasl ? ({ ...p.sasl } as kafkajsTypes.SASLOptions) : undefined,
        connectionTimeout: 10_000,
        requestTimeout: p.timeoutSeconds * 1000,
        retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 5_000 },
        logLevel: kafkajs.logLevel.NOTHING,
    }).admin();
    try {
        await admin.connect();
        return await fn(admin);
    } catch (e) {
        throw explainAclError(p, e);
    } finally {
        await admin.disconnect().catch(() => undefined);
    }
}

/** A kafkajs error in terms of the principal, with what to check; never includes credentials. */
export function explainAclError(p: AclInputs, e: unknown): unknown {
    const err = e as Error & { type?: string };
    if (!err.name?.startsWith("KafkaJS")) return e;
    const hints: Record<string, string> = {
        SECURITY_DISABLED: "the brokers run no authorizer (authorizer.class.name)",
        CLUSTER_AUTHORIZATION_FAILED: "the admin user must be in the brokers' super.users",
        SASL_AUTHENTICATION_FAILED: "the admin user's SASL credentials were refused",
    };
    const hint =
        (err.type && hints[err.type]) ??
        (err.name === "KafkaJSConnectionError"
            ? (p.endpointHint ?? "Are the brokers running, and reachable from this machine?")
            : "");
    const cause = err.type ? `${err.type}: ${err.message}` : err.message;
    return new Error(
        `ACLs of ${p.principal} at ${p.bootstrapServers}: ${err.name}: ${cause}` +
            (hint ? `. ${hint}` : ""),
    );
}

/** The dynamic provider; every client and credential is created inside the methods. */
export const kafkaAclProvider: pulumi.dynamic.ResourceProvider = {
    check(_olds: Record<string, unknown>, news: Record<string, unknown>) {
        return Promise.resolve(checkAcl(news));
    },
    diff(_id: string, olds: AclInputs, news: AclInputs) {
        const { changes, replaces } = diffAcl(olds, news);
        return Promise.resolve({
            changes: changes.length > 0 || replaces.length > 0,
            replaces,
            deleteBeforeReplace: true,
        });
    },
    async create(inputs: AclInputs) {
        await withAdmin(inputs, (admin) => converge(admin, inputs.principal, inputs.bindings));
        return { id: inputs.principal, outs: inputs };
    },
    async read(id: string, props: AclInputs) {
        const bindings = await withAdmin(props, (admin) => liveBindings(admin, props.principal));
        return { id, props: { ...props, bindings } };
    },
    async update(_id: string, _olds: AclInputs, news: AclInputs) {
        await withAdmin(news, (admin) => converge(admin, news.principal, news.bindings));
        return { outs: news };
    },
    async delete(_id: string, props: AclInputs) {
        await withAdmin(props, (admin) => converge(admin, props.principal, []));
    },
};

/** SASL credentials for the admin client. */
export interface KafkaAclSaslArgs {
    readonly mechanism: pulumi.Input<"plain" | "scram-sha-256" | "scram-sha-512">;
    readonly username: pulumi.Input<string>;
    /** Kept secret. */
    readonly password: pulumi.Input<string>;
}

/** Arguments for {@link KafkaAcl}. */
export interface KafkaAclArgs {
    /** Bootstrap servers, `host:port[,host:port...]`. */
    readonly bootstrapServers: pulumi.Input<string>;
    /** `User:<name>`; changing it replaces the resource. */
    readonly principal: pulumi.Input<string>;
    /** The ALLOW rules the principal gets (from any host); all others of its ALLOW ACLs are removed. */
    readonly bindings: pulumi.Input<pulumi.Input<AclBinding>[]>;
    /** Use TLS to reach the brokers. Defaults to false. */
    readonly ssl?: pulumi.Input<boolean>;
    /** PEM CA to trust (with `ssl`); unset = the system's CAs. */
    readonly ca?: pulumi.Input<string>;
    /** SASL credentials of a super user; omit for PLAINTEXT listeners. */
    readonly sasl?: pulumi.Input<KafkaAclSaslArgs>;
    /** Bound on each admin operation, in seconds. Defaults to 60. */
    readonly timeoutSeconds?: pulumi.Input<number>;
    /** Named in the error when no broker answers (not diffed). */
    readonly endpointHint?: pulumi.Input<string>;
}

/** The ALLOW ACLs of one Kafka principal. */
export class KafkaAcl extends pulumi.dynamic.Resource {
    /** The principal. */
    declare readonly principal: pulumi.Output<string>;
    /** The live bindings. */
    declare readonly bindings: pulumi.Output<AclBinding[]>;

    constructor(name: string, args: KafkaAclArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            // A small shim in state; it loads kafkaAclProvider from this module at run time.
            providerRef("connectors/kafkaAcl/resource", "kafkaAclProvider"),
            name,
            {
                bootstrapServers: args.bootstrapServers,
                principal: args.principal,
                bindings: args.bindings,
                ssl: args.ssl,
                ca: args.ca,
                sasl: args.sasl ? pulumi.secret(args.sasl) : undefined,
                timeoutSeconds: args.timeoutSeconds,
                endpointHint: args.endpointHint,
                providerVersion: KAFKA_ACL_PROVIDER_VERSION,
            },
            {
                ...opts,
                additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "sasl"],
            },
            "ingest",
            "KafkaAcl",
        );
    }
}
