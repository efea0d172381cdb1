import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import * as yaml from "js-yaml";
import { one, resolve } from "../helpers/mocks";
import { runStack, stackConfig } from "../helpers/stack";

const ROOT = join(__dirname, "../..");

/** The host endpoints the data tools read from `pulumi stack output --json`, on the dev graph. */
describe("dev stack host outputs", () => {
    let program: Record<string, unknown>;
    const output = async (name: string) => {
        const v = program[name];
        return v === undefined ? undefined : resolve(v as never);
    };
    before(async () => {
        program = await runStack("dev");
    });

    it("names Postgres, S3 and the Flume HTTP source as the host reaches them", async () => {
        assert.equal(await output("postgresHostEndpoint"), "localhost:30432");
        assert.equal(await output("s3Endpoint"), "http://localhost:4566");
        assert.equal(await output("flumeHttpHostUrl"), "http://localhost:30081");
    });

    it("exposes the HDFS component's HttpFS gateway on its NodePort as httpfsHostUrl", async () => {
        assert.equal(await output("httpfsHostUrl"), "http://localhost:30140/webhdfs/v1");
        const svc = one("kubernetes:core/v1:Service", "hdfs-httpfs").inputs.spec as any;
        assert.equal(svc.type, "NodePort");
        assert.deepEqual(svc.ports, [
            { name: "http", port: 14000, targetPort: "http", nodePort: 30140 },
        ]);
        const deployment = one("kubernetes:apps/v1:Deployment", "hdfs-httpfs").inputs.spec as any;
        const pod = deployment.template.spec;
        assert.equal(pod.containers[0].name, "httpfs");
        // The HDFS image (it carries hadoop-hdfs-httpfs), pushed to the dev registry.
        const nn = one("kubernetes:apps/v1:StatefulSet", "hdfs-namenode").inputs.spec as any;
        assert.equal(
            await resolve(pod.containers[0].image),
            await resolve(nn.template.spec.containers[0].image),
        );
        // The ConfigMap the gateway mounts grants the proxy user and carries httpfs-site.xml.
        const conf = one("kubernetes:core/v1:ConfigMap", "hdfs-hadoop-conf").inputs.data as any;
        const core = await resolve(conf["core-site.xml"] as string);
        assert.match(core, /<name>hadoop\.proxyuser\.httpfs\.hosts<\/name>/);
        assert.match(conf["httpfs-site.xml"], /<name>httpfs\.http\.port<\/name>\s*<value>14000/);
    });

    it("exposes the Flume HTTP source on that NodePort and nothing else of the agent", () => {
        const spec = one("kubernetes:core/v1:Service", "flume-unorganized").inputs.spec as any;
        assert.equal(spec.type, "NodePort");
        assert.deepEqual(spec.ports, [
            { name: "http", port: 8080, targetPort: "source", nodePort: 30081 },
        ]);
    });

    it("maps every NodePort the dev config sets to localhost in scripts/kind-config.yaml", () => {
        const kind = yaml.load(readFileSync(join(ROOT, "scripts/kind-config.yaml"), "utf8")) as {
            nodes: { extraPortMappings?: { containerPort: number; hostPort: number }[] }[];
        };
        const mapped = new Set(
            kind.nodes.flatMap((n) =>
                (n.extraPortMappings ?? [])
                    .filter((m) => m.containerPort === m.hostPort)
                    .map((m) => m.containerPort),
            ),
        );
        const cfg = Object.fromEntries(
            Object.entries(stackConfig("dev")).map(([k, v]) => [
                k.replace("ingest-platform:", ""),
                (() => {
                    try {
                        return JSON.parse(v) as Record<string, unknown>;
                    } catch {
                        return {};
                    }
                })(),
            ]),
        );
        const ports: [string, unknown][] = [];
        for (const [section, values] of Object.entries(cfg)) {
            for (const [key, value] of Object.entries(values ?? {})) {
                if (/nodePort$/i.test(key)) ports.push([`${section}.${key}`, value]);
            }
        }
        const keys = ports.map(([k]) => k);
        for (const key of [
            "postgres.nodePort",
            "hdfs.webhdfsNodePort",
            "hdfs.httpfsNodePort",
            "flume.httpNodePort",
        ]) {
            assert.ok(keys.includes(key), `${key} in ${keys.join(", ")}`);
        }
        for (const [key, port] of ports) {
            assert.ok(mapped.has(port as number), `${key} (${String(port)}) is not mapped`);
        }
    });
});
