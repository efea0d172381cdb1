import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { HdfsDirectoryOutputs } from "../../connectors/hdfsDirectory/resource";
import { hdfsDirectoryProvider } from "../../connectors/hdfsDirectory/resource";
import { HttpStub } from "../helpers/httpStub";
import { ofType } from "../helpers/mocks";
import { runStack } from "../helpers/stack";

describe("prod stack on destroy", () => {
    let stub: HttpStub;
    before(async () => {
        await runStack("prod", {
            overrides: { "ingest-platform:postgresPassword": "prod-password-for-the-test" },
            secretKeys: ["ingest-platform:postgresPassword"],
        });
        stub = await HttpStub.start();
    });
    after(() => stub.close());

    it("keeps HDFS data and topics unless the stack says otherwise", () => {
        const dirs = ofType("pulumi-nodejs:dynamic/ingest:HdfsDirectory");
        assert.ok(dirs.length > 0);
        for (const d of dirs) assert.equal(d.inputs.deleteContents, false, d.name);
        for (const t of ofType("pulumi-nodejs:dynamic/ingest:KafkaTopic")) {
            assert.equal(t.inputs.retainOnDelete, true, t.name);
        }
    });

    it("refuses to delete a directory holding data, naming pipelines.deleteDataOnDestroy", async () => {
        const dir = ofType("pulumi-nodejs:dynamic/ingest:HdfsDirectory")[0];
        const path = String(dir.inputs.path);
        stub.route("GET", `/webhdfs/v1${path}`, [
            {
                status: 200,
                body: {
                    FileStatus: {
                        type: "DIRECTORY",
                        permission: "755",
                        owner: "connect",
                        group: "hadoop",
                        childrenNum: 4,
                    },
                },
            },
        ]);
        const state = {
            ...(dir.inputs as unknown as HdfsDirectoryOutputs),
            webhdfsUrl: stub.url,
            retryTimeoutSeconds: 5,
            currentOwner: "connect",
            currentGroup: "hadoop",
        };
        await assert.rejects(hdfsDirectoryProvider.delete!(path, state), {
            message:
                `HdfsDirectory ${path}: refusing to delete a non-empty directory (4 entries); its data is ` +
                "kept unless deleteContents is true. To delete it with its contents, run " +
                "`pulumi config set --path pipelines.deleteDataOnDestroy true` and `pulumi up` first; " +
                "to keep the data and stop managing it, run `pulumi state delete <urn>`.",
        });
        assert.equal(stub.calls("DELETE", `/webhdfs/v1${path}`).length, 0);
    });
});
