/**
 * A dynamic provider that does no work: create and update return their inputs at once, delete
 * does nothing. The engine bench runs N resources of it through the same thin serialized provider
 * as the real ones (connectors/providerRef.ts) and with the same inputs as N connectors, so its
 * times are what the Pulumi engine itself costs for N dynamic resources (registration, provider
 * RPCs, a checkpoint per step), the floor under every connector figure.
 */
import type * as pulumi from "@pulumi/pulumi";

export const noopProvider: pulumi.dynamic.ResourceProvider = {
    create(inputs: Record<string, unknown>) {
        return Promise.resolve({ id: String(inputs.name), outs: inputs });
    },
    diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
        const keys = new Set([...Object.keys(olds), ...Object.keys(news)]);
        keys.delete("__provider");
        const changes = [...keys].some((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
        return Promise.resolve({ changes });
    },
    update(_id: string, _olds: unknown, news: Record<string, unknown>) {
        return Promise.resolve({ outs: news });
    },
    delete() {
        return Promise.resolve();
    },
};
