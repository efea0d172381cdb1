import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { builtImageIssues, isKindContext } from "../../../components/platform/settings";

const base = {
    kubernetes: { enabled: true, context: "prod-ingest" },
    connect: {},
    flume: { enabled: true },
    sqoop: { enabled: true },
    hdfs: { enabled: true },
};
const message = (key: string) =>
    `is required on the cluster "prod-ingest" (not kind): the ${key} image would be built but ` +
    `never pushed, and no node could pull it. Set the registry to push to (or ${key}.image to an ` +
    `image you publish)`;

describe("built images on a cluster that is not kind", () => {
    it("names each image built without a registry", () => {
        assert.deepEqual(builtImageIssues(base), [
            { path: ["connect", "buildRegistry"], message: message("connect") },
            { path: ["flume", "buildRegistry"], message: message("flume") },
            { path: ["sqoop", "buildRegistry"], message: message("sqoop") },
            { path: ["hdfs", "buildRegistry"], message: message("hdfs") },
        ]);
    });

    it("accepts a registry or a published image, and ignores switched-off workloads", () => {
        assert.deepEqual(
            builtImageIssues({
                ...base,
                connect: { buildRegistry: "ghcr.io/acme" },
                flume: { enabled: true, image: "ghcr.io/acme/flume@sha256:abc" },
                sqoop: { enabled: false },
                hdfs: {
                    enabled: true,
                    image: { registry: "ghcr.io", repository: "acme/hdfs", tag: "3.4.1" },
                },
            }),
            [],
        );
    });

    it("lets kind stacks build without pushing (kind load docker-image), and pipelines-only stacks build nothing", () => {
        assert.deepEqual(
            builtImageIssues({ ...base, kubernetes: { enabled: true, context: "kind-ingest" } }),
            [],
        );
        assert.deepEqual(builtImageIssues({ ...base, kubernetes: { enabled: false } }), []);
        assert.equal(isKindContext("kind-ingest"), true);
        assert.equal(isKindContext("prod-kind"), false);
    });
});
