import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { one, resolve } from "../helpers/mocks";
import { runStack } from "../helpers/stack";

/** Prod: no NodePorts, so host endpoints are the in-cluster ones or absent; S3 is AWS's. */
describe("prod stack host outputs", () => {
    let program: Record<string, unknown>;
    before(async () => {
        program = await runStack("prod", {
            overrides: { "ingest-platform:postgresPassword": "prod-test-password-1234567890" },
            secretKeys: ["ingest-platform:postgresPassword"],
        });
    });

    it("points check-landing at the region's S3 endpoint and the in-cluster HttpFS", async () => {
        assert.equal(
            await resolve(program.s3Endpoint as never),
            "https://s3.eu-west-1.amazonaws.com",
        );
        assert.equal(
            await resolve(program.httpfsHostUrl as never),
            "http://hdfs-httpfs.ingest.svc.cluster.local:14000/webhdfs/v1",
        );
        const svc = one("kubernetes:core/v1:Service", "hdfs-httpfs").inputs.spec as any;
        assert.equal(svc.type, "ClusterIP");
        assert.equal(svc.ports[0].nodePort, undefined);
    });

    it("exports no Postgres or Flume host endpoint, since nothing exposes them to a host", () => {
        assert.ok(!("postgresHostEndpoint" in program));
        assert.ok(!("flumeHttpHostUrl" in program));
    });

    it("prints a Connect listing command that authenticates without showing the password", async () => {
        const commands = (await resolve(program.commands as never)) as Record<string, string>;
        const secret = one("kubernetes:core/v1:Secret", "connect-rest-auth");
        const secretName = (secret.inputs.metadata as { name: string }).name;
        assert.equal(
            commands.connectors,
            `curl -s -u "admin:$(kubectl -n ingest get secret ${secretName} -o jsonpath='{.data.password}' | base64 -d)" ` +
                "http://connect.ingest.svc.cluster.local:8083/connectors?expand=status",
        );
        const stringData = secret.inputs.stringData as Record<string, string>;
        assert.ok(!commands.connectors.includes(stringData.password));
    });
});
