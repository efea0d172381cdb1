/**
 * A Pulumi dynamic resource holding one Kubernetes object, written through the API server's REST
 * interface. The engine smoke test uses it because the Kubernetes resource plugin cannot be built
 * here (see scripts/engine/tools.ts); it still drives the real engine through the Node dynamic
 * provider host, with the API token kept secret in state.
 */
import * as pulumi from "@pulumi/pulumi";
import { request } from "node:https";

/** Connection to the API server. */
export interface KubeConnection {
    /** API server URL. */
    readonly server: pulumi.Input<string>;
    /** PEM of the CA that signed the server certificate. */
    readonly caPem: pulumi.Input<string>;
    /** Bearer token; pass it as a secret. */
    readonly token: pulumi.Input<string>;
}

/** Arguments for {@link KubeObject}. */
export interface KubeObjectArgs extends KubeConnection {
    /** Collection path, e.g. `/api/v1/namespaces/demo/configmaps`. */
    readonly collection: pulumi.Input<string>;
    /** The object; `metadata.name` names it inside the collection. */
    readonly manifest: pulumi.Input<Record<string, unknown>>;
}

interface Inputs {
    server: string;
    caPem: string;
    token: string;
    collection: string;
    manifest: { metadata: { name: string } } & Record<string, unknown>;
}

interface Reply {
    status: number;
    body: Record<string, unknown>;
}

function call(conn: Inputs, method: string, path: string, body?: unknown): Promise<Reply> {
    return new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const req = request(
            `${conn.server}${path}`,
            {
                method,
                ca: conn.caPem,
                timeout: 15_000,
                headers: {
                    Authorization: `Bearer ${conn.token}`,
                    Accept: "application/json",
                    ...(payload === undefined ? {} : { "Content-Type": "application/json" }),
                },
            },
            (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (c: Buffer) => chunks.push(c));
                res.on("end", () => {
                    const text = Buffer.concat(chunks).toString("utf8");
                    let parsed: Record<string, unknown> = {};
                    try {
                        parsed = JSON.parse(text) as Record<string, unknown>;
                    } catch {
                        parsed = { message: text.slice(0, 200) };
                    }
                    resolve({ status: res.statusCode ?? 0, body: parsed });
                });
            },
        );
        req.on("timeout", () => req.destroy(new Error(`${method} ${path}: timeout`)));
        req.on("error", reject);
        req.end(payload);
    });
}

function expect(reply: Reply, ok: number[], what: string): Reply {
    if (!ok.includes(reply.status)) {
        throw new Error(
            `${what}: HTTP ${reply.status}: ${JSON.stringify(reply.body.message ?? "")}`,
        );
    }
    return reply;
}

function outputs(inputs: Inputs, live: Record<string, unknown>): Record<string, unknown> {
    // resourceVersion is left out: controllers bump it constantly, so every refresh would differ.
    const meta = (live.metadata ?? {}) as { uid?: string };
    return { ...inputs, uid: meta.uid };
}

const provider: pulumi.dynamic.ResourceProvider = {
    diff(_id: string, olds: Inputs, news: Inputs): Promise<pulumi.dynamic.DiffResult> {
        const replaces = ["collection"].filter(
            (k) => olds[k as "collection"] !== news[k as "collection"],
        );
        if (olds.manifest.metadata.name !== news.manifest.metadata.name) replaces.push("manifest");
        const changed =
            replaces.length > 0 ||
            JSON.stringify(olds.manifest) !== JSON.stringify(news.manifest) ||
            olds.server !== news.server;
        // Objects are keyed by name: the old one must go before a new one can take the name.
        return Promise.resolve({ changes: changed, replaces, deleteBeforeReplace: true });
    },
    async create(inputs: Inputs): Promise<pulumi.dynamic.CreateResult> {
        const what = `create ${inputs.collection}/${inputs.manifest.metadata.name}`;
        const reply = expect(
            await call(inputs, "POST", inputs.collection, inputs.manifest),
            [201],
            what,
        );
        return {
            id: `${inputs.collection}/${inputs.manifest.metadata.name}`,
            outs: outputs(inputs, reply.body),
        };
    },
    async read(id: string, props: Inputs): Promise<pulumi.dynamic.ReadResult> {
        const reply = await call(props, "GET", id);
        if (reply.status === 404) return { id: "", props: {} };
        expect(reply, [200], `read ${id}`);
        return { id, props: outputs(props, reply.body) };
    },
    async update(id: string, _olds: Inputs, news: Inputs): Promise<pulumi.dynamic.UpdateResult> {
        const current = expect(await call(news, "GET", id), [200], `read ${id}`);
        const meta = current.body.metadata as { resourceVersion: string };
        const body = {
            ...news.manifest,
            metadata: { ...news.manifest.metadata, resourceVersion: meta.resourceVersion },
        };
        const reply = expect(await call(news, "PUT", id, body), [200], `update ${id}`);
        return { outs: outputs(news, reply.body) };
    },
    async delete(id: string, props: Inputs): Promise<void> {
        expect(await call(props, "DELETE", id), [200, 202, 404], `delete ${id}`);
        // Namespaces finalize asynchronously; delete is done when the name is free again.
        const deadline = Date.now() + 120_000;
        while ((await call(props, "GET", id)).status !== 404) {
            if (Date.now() > deadline) throw new Error(`delete ${id}: still present after 120 s`);
            await new Promise((r) => setTimeout(r, 500));
        }
    },
};

/** One Kubernetes object managed through the API server's REST interface. */
export class KubeObject extends pulumi.dynamic.Resource {
    /** UID the API server assigned. */
    declare readonly uid: pulumi.Output<string>;
    /** Path of the object, `<collection>/<name>` (also the resource id). */
    declare readonly collection: pulumi.Output<string>;

    constructor(name: string, args: KubeObjectArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, { ...args, uid: undefined }, opts, "KubeObject");
    }
}
