/**
 * `KafkaConnector`: one Kafka Connect connector managed through the Connect REST API by a Pulumi
 * dynamic provider. The connector name is its identity (a rename replaces it, deleting first);
 * plain config is diffed key by key, secret config travels only as a secret input and is compared
 * by hash; the desired run state (RUNNING / PAUSED / STOPPED) is applied and waited for, and a
 * failed task fails the step with its trace while the connector stays recorded in the state.
 */
import * as pulumi from "@pulumi/pulumi";
import { HttpError, type HttpResponse } from "../http";
import { providerRef } from "../providerRef";
import {
    KAFKA_CONNECTOR_PROVIDER_VERSION,
    checkConnector,
    diffConnector,
    type ConnectorInputs,
    type ConnectorOutputs,
    type ConnectorTargetState,
    type ConnectorTaskStatus,
} from "./inputs";
import {
    converge,
    readOutputs,
    reportsRunningAfterStart,
    statusNow,
    type Generation,
} from "./apply";
import { READ_REUSE_MS, forget, snapshot, workerVersion } from "./live";
import {
    call,
    configMismatch,
    ctxOf,
    enc,
    fullConfig,
    getConfig,
    getStatus,
    orMissing,
    explainRefusedWrite,
    workerSupports,
} from "./rest";

export * from "./inputs";

/** Arguments for {@link KafkaConnector}. */
export interface KafkaConnectorArgs {
    /** Base URL of the Connect REST API, e.g. `http://connect:8083`. Changing it replaces. */
    readonly connectUrl: pulumi.Input<string>;
    /** Connector name. Defaults to the resource name. Changing it replaces (delete first). */
    readonly name?: pulumi.Input<string>;
    /** Plain connector config; must hold `connector.class`. Values are sent as strings. */
    readonly config: pulumi.Input<Record<string, pulumi.Input<string | number | boolean>>>;
    /** Secret config merged into the request only; kept secret and compared by hash. */
    readonly sensitiveConfig?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** HTTP basic-auth credentials of the REST API; kept secret in state (refresh and delete use them). */
    readonly basicAuth?: pulumi.Input<{
        username: pulumi.Input<string>;
        password: pulumi.Input<string>;
    }>;
    /** Desired run state. Defaults to `RUNNING`. */
    readonly state?: pulumi.Input<ConnectorTargetState>;
    /** Restart failed tasks (`includeTasks=true&onlyFailed=true`) on apply. Defaults to false. */
    readonly restartOnFailure?: pulumi.Input<boolean>;
    /** Change to any new value to restart the connector and all its tasks. */
    readonly restartNonce?: pulumi.Input<string | number>;
    /** Take over an existing connector of this name if its live config matches. Defaults to false. */
    readonly adoptExisting?: pulumi.Input<boolean>;
    /** Bound on every wait (rebalance retries, task start-up), in seconds. Defaults to 300. */
    readonly waitTimeoutSeconds?: pulumi.Input<number>;
    /**
     * How long an outcome must hold when the new task generation cannot be told from the old one
     * (task configs that carry none of the changed keys, a restart never seen); it also caps the
     * 0.25 s start window. An apply otherwise ends on evidence (see `apply.ts`). Defaults to 3.
     */
    readonly settleSeconds?: pulumi.Input<number>;
    /**
     * Named in the error when Connect cannot be reached: the config key that sets `connectUrl` and
     * what to check (e.g. the kind port mapping). Not diffed. Defaults to a generic hint.
     */
    readonly endpointHint?: pulumi.Input<string>;
}

/** The dynamic provider; every client and credential is created inside the methods. */
export const kafkaConnectorProvider: pulumi.dynamic.ResourceProvider = {
    check(_olds: Record<string, unknown>, news: Record<string, unknown>) {
        return Promise.resolve(checkConnector(news));
    },

    diff(_id: string, olds: ConnectorOutputs, news: ConnectorInputs) {
        const { changes, replaces } = diffConnector(olds, news);
        return Promise.resolve({
            changes: changes.length > 0 || replaces.length > 0,
            replaces,
            deleteBeforeReplace: true,
        });
    },

    async create(raw: ConnectorInputs & { __provider?: unknown }) {
        const inputs = raw;
        const ctx = ctxOf(inputs, Object.values(inputs.sensitiveConfig));
        const version = await workerVersion(ctx);
        const initialState = workerSupports(version, 3, 7);
        if (inputs.state === "STOPPED" && !workerSupports(version, 3, 5)) {
            throw new Error(
                `connector ${inputs.name}: state STOPPED needs Kafka Connect 3.5 or later`,
            );
        }
        const desired = fullConfig(inputs);
        const secretKeys = Object.keys(inputs.sensitiveConfig);
        let retried = false;
        let stateApplied = initialState;
        const landed = async (): Promise<HttpResponse<unknown> | undefined> => {
            const live = await getConfig(ctx);
            if (live && configMismatch(desired, live, secretKeys).length === 0) {
                return { status: 201, data: undefined, headers: {} };
            }
            return undefined;
        };
        try {
            await call(ctx, "POST", "/connectors", {
                data: {
                    name: inputs.name,
                    config: desired,
                    ...(initialState ? { initial_state: inputs.state } : {}),
                },
                reconcile: landed,
                onRetry: () => (retried = true),
            });
        } catch (e) {
            stateApplied = false;
            if (e instanceof HttpError && e.status === 400)
                await explainRefusedWrite(ctx, inputs, e);
            if (!(
                e instanceof HttpError &&
                e.status === 409 &&
                /already exists/i.test(e.serverMessage)
            )) {
                throw e;
            }
            const live = await getConfig(ctx);
            const diffKeys = live
                ? configMismatch(desired, live, secretKeys)
                : ["(connector vanished)"];
            if ((inputs.adoptExisting || retried) && diffKeys.length === 0) {
                // Ours from an earlier attempt of this create, or adopted on purpose.
            } else if (inputs.adoptExisting) {
                throw new Error(
                    `connector ${inputs.name} already exists at ${ctx.base} with a different config ` +
                        `(keys: ${diffKeys.join(", ")}); adoptExisting only takes over a matching connector`,
                );
            } else {
                throw new Error(
                    `connector ${inputs.name} already exists at ${ctx.base} and is not managed by this ` +
                        `stack; delete it, rename this one, or set adoptExisting: true with a matching config`,
                );
            }
        }
        forget(ctx);
        const outs = await converge(ctx, inputs, raw.__provider, {
            restartAll: false,
            generation: { fresh: true, runningMeansStarted: reportsRunningAfterStart(version) },
            stateApplied,
        });
        return { id: inputs.name, outs };
    },

    async read(id: string, props: ConnectorOutputs) {
        const ctx = ctxOf({ ...props, name: props.name ?? id }, []);
        const base = { ...props, name: props.name ?? id };
        // A refresh reads every connector at once: one bulk answer serves them all. A connector
        // missing from it (or a worker without it) is read on its own, where a 404 is definite.
        const entry = (await snapshot(ctx, Date.now() - READ_REUSE_MS, "read"))?.[base.name];
        let outs =
            entry?.status && entry.info?.config
                ? await readOutputs(ctx, base, entry.status, entry.info.config)
                : await readOutputs(ctx, base);
        if (!outs) {
            // A follower that just joined may lag the config topic; look once more before declaring it gone.
            await new Promise((r) => setTimeout(r, 1_000));
            outs = await readOutputs(ctx, base);
        }
        return outs ? { id, props: outs } : { id: "" };
    },

    async update(
        _id: string,
        olds: ConnectorOutputs,
        news: ConnectorInputs & { __provider?: unknown },
    ) {
        const ctx = ctxOf(news, Object.values(news.sensitiveConfig));
        const { changes } = diffConnector(olds, news);
        const configChanged = changes.some(
            (c) => c === "config" || c.startsWith("config.") || c === "sensitiveConfig",
        );
        // Read alongside validation: a config write does not change the run state to apply.
        const before = statusNow(ctx);
        before.catch(() => undefined);
        let generation: Generation = {};
        if (configChanged) {
            const desired = fullConfig(news);
            const keys = changes.flatMap((c) =>
                c.startsWith("config.")
                    ? [c.slice("config.".length)]
                    : c === "sensitiveConfig"
                      ? Object.keys(news.sensitiveConfig)
                      : [],
            );
            generation = { expect: { config: desired, keys } };
            await call(ctx, "PUT", `/connectors/${enc(news.name)}/config`, {
                data: desired,
                reconcile: async () => {
                    const live = await getConfig(ctx);
                    const same =
                        live &&
                        configMismatch(desired, live, Object.keys(news.sensitiveConfig)).length ===
                            0;
                    return same ? { status: 200, data: undefined, headers: {} } : undefined;
                },
            }).catch((e: unknown) => explainRefusedWrite(ctx, news, e));
        }
        forget(ctx);
        const restartAll = olds.restartNonce !== news.restartNonce && news.restartNonce !== "";
        const outs = await converge(ctx, news, news.__provider, {
            restartAll,
            generation,
            before,
        });
        return { outs };
    },

    async delete(_id: string, props: ConnectorOutputs) {
        const ctx = ctxOf(props, []);
        const gone = { status: 404, data: undefined, headers: {} };
        await orMissing(
            call(ctx, "DELETE", `/connectors/${enc(props.name)}`, {
                reconcile: async () => ((await getStatus(ctx)) === undefined ? gone : undefined),
            }),
        );
        forget(ctx);
        // Wait until the worker no longer lists the name, so a delete-before-replace create
        // cannot collide (the list comes from the worker's config snapshot, not a herder request).
        const listed = async (): Promise<boolean> => {
            const names = await orMissing(call<string[]>(ctx, "GET", "/connectors"));
            return Array.isArray(names)
                ? names.includes(props.name)
                : (await getConfig(ctx)) !== undefined;
        };
        while (await listed()) {
            if (Date.now() > ctx.deadline) {
                throw new Error(
                    `connector ${props.name} was deleted but is still listed by ${ctx.base}`,
                );
            }
            await new Promise((r) => setTimeout(r, 100));
        }
    },
};

/**
 * A Kafka Connect connector, created, updated, paused/stopped/resumed, restarted and deleted
 * through the Connect REST API. Secret config is never part of the outputs.
 */
export class KafkaConnector extends pulumi.dynamic.Resource {
    /** Connector name on the worker. */
    declare readonly name: pulumi.Output<string>;
    /** `source` or `sink`, as reported by the worker. */
    declare readonly connectorType: pulumi.Output<string>;
    /** Live connector state at the last create/update/refresh. */
    declare readonly connectorState: pulumi.Output<string>;
    /** Live task states, with the trace of failed tasks. */
    declare readonly tasks: pulumi.Output<ConnectorTaskStatus[]>;
    /** Topics the connector has used (KIP-558 topic tracking). */
    declare readonly topics: pulumi.Output<string[]>;

    constructor(name: string, args: KafkaConnectorArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            // A small shim in state; it loads kafkaConnectorProvider from this module at run time.
            providerRef("connectors/kafkaConnector/resource", "kafkaConnectorProvider"),
            name,
            {
                connectUrl: args.connectUrl,
                name: args.name ?? name,
                config: args.config,
                sensitiveConfig: pulumi.secret(args.sensitiveConfig ?? {}),
                state: args.state,
                restartOnFailure: args.restartOnFailure,
                restartNonce: args.restartNonce,
                adoptExisting: args.adoptExisting,
                waitTimeoutSeconds: args.waitTimeoutSeconds,
                settleSeconds: args.settleSeconds,
                endpointHint: args.endpointHint,
                basicAuth: args.basicAuth === undefined ? undefined : pulumi.secret(args.basicAuth),
                providerVersion: KAFKA_CONNECTOR_PROVIDER_VERSION,
                connectorType: undefined,
                connectorState: undefined,
                tasks: undefined,
                topics: undefined,
            },
            {
                ...opts,
                additionalSecretOutputs: [
                    ...(opts?.additionalSecretOutputs ?? []),
                    "sensitiveConfigHash",
                    "basicAuth",
                ],
            },
            // Type token pulumi-nodejs:dynamic/ingest:KafkaConnector, like the other resources.
            "ingest",
            "KafkaConnector",
        );
    }
}
