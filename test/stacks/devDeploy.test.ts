import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { ofType, recorded, settle, setupMocks } from "../helpers/mocks";
import { stackConfig, stackMockOptions } from "../helpers/stack";
import { describeSizing, stackSizing } from "../../scripts/dev/sizing";

describe("dev stack, as `npm run dev:up` deploys it", () => {
    before(async () => {
        // The registry answers a push with the image's digest, which the pods then reference.
        setupMocks({
            stack: "dev",
            config: stackConfig("dev"),
            outputs: {
                ...stackMockOptions.outputs,
                "docker:index/image:Image": (inputs) => ({
                    repoDigest: `${String(inputs.imageName).replace(/:[^:/]+$/, "")}@sha256:${"ab".repeat(32)}`,
                }),
            },
        });
        await import("../../index");
        await settle();
    });

    it("pushes every built image to the local registry the kind node pulls from", () => {
        const images = ofType("docker:index/image:Image");
        assert.deepEqual(images.map((r) => r.name).sort(), [
            "connect-image",
            "flume-image",
            "hdfs-image",
            "sqoop-image",
        ]);
        for (const r of images) {
            assert.match(String(r.inputs.imageName), /^localhost:5001\//, r.name);
            assert.equal(r.inputs.skipPush, false, `${r.name} is built but not pushed`);
        }
    });

    it("runs the pods from the pushed images, by digest", () => {
        const digest = `@sha256:${"ab".repeat(32)}`;
        const used = recorded
            .filter((r) =>
                /:(apps\/v1:Deployment|apps\/v1:StatefulSet|batch\/v1:Job|batch\/v1:CronJob)$/.test(
                    r.type,
                ),
            )
            .flatMap((r) => {
                const spec = r.inputs.spec as {
                    template?: { spec?: { containers: { image: string }[] } };
                };
                return (spec.template?.spec?.containers ?? []).map((c) => `${r.name} ${c.image}`);
            })
            .filter((line) => !line.includes(" docker.io/"))
            .sort();
        assert.deepEqual(used, [
            `connect localhost:5001/ingest-connect${digest}`,
            `flume-cars localhost:5001/flume${digest}`,
            `flume-unorganized localhost:5001/flume${digest}`,
            `hdfs-datanode localhost:5001/hdfs${digest}`,
            `hdfs-httpfs localhost:5001/hdfs${digest}`,
            `hdfs-namenode localhost:5001/hdfs${digest}`,
            `sqoop-import localhost:5001/sqoop${digest}`,
        ]);
    });

    it("deletes HDFS directories with their data and topics on destroy", () => {
        const dirs = ofType("pulumi-nodejs:dynamic/ingest:HdfsDirectory");
        assert.ok(dirs.length > 0);
        for (const d of dirs) assert.equal(d.inputs.deleteContents, true, d.name);
        const topics = ofType("pulumi-nodejs:dynamic/ingest:KafkaTopic");
        assert.ok(topics.length > 0);
        for (const t of topics) assert.equal(t.inputs.retainOnDelete, false, t.name);
    });

    it("names each endpoint's config key for the providers' unreachable errors", () => {
        const kind =
            "Is the kind cluster running (`kind get clusters`; `npm run dev:up` creates it), and was it created from scripts/kind-config.yaml, which maps this NodePort to localhost?";
        const expected: Record<string, string> = {
            "pulumi-nodejs:dynamic/ingest:HdfsDirectory": `Config key: hdfs.webhdfsNodePort (localhost:30870). ${kind}`,
            "pulumi-nodejs:dynamic/ingest:KafkaTopic": `Config key: kafka.externalNodePort (localhost:30092). ${kind}`,
            "pulumi-nodejs:dynamic/ingest:KafkaConnector": `Config key: connect.nodePort (localhost:30083). ${kind}`,
        };
        for (const [type, hint] of Object.entries(expected)) {
            const rs = ofType(type);
            assert.ok(rs.length > 0, type);
            for (const r of rs) assert.equal(r.inputs.endpointHint, hint, r.name);
        }
    });

    it("states the stack's sizing in the README as the pods request it", () => {
        const s = stackSizing(recorded);
        const d = describeSizing(s);
        console.log(`dev sizing: requests ${d.requests}; limits ${d.limits}`);
        for (const w of s.workloads) console.log(`  ${w}`);
        const readme = readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
        assert.ok(
            readme.includes(`requests ${d.requests}; limits ${d.limits}`),
            `README should state: requests ${d.requests}; limits ${d.limits}`,
        );
    });
});
