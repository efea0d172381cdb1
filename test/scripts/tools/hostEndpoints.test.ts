import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { freePort } from "../../../scripts/services/util";
import { StackOutputs } from "../../../scripts/tools/lib/endpoints";
import { postgresAddress } from "../../../scripts/tools/lib/postgres";
import { runTool } from "../../helpers/tools";

class FakeOutputs extends StackOutputs {
    constructor(private readonly values: Record<string, unknown>) {
        super("dev");
    }
    override load() {
        return Promise.resolve({ values: this.values });
    }
}

void describe("Postgres address of the data tools", () => {
    const saved = { PGHOST: process.env.PGHOST, PGPORT: process.env.PGPORT };
    before(() => {
        delete process.env.PGHOST;
        delete process.env.PGPORT;
    });
    after(() => {
        for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
    });
    const stack = new FakeOutputs({ postgresHostEndpoint: "localhost:30432" });

    void it("takes the stack output postgresHostEndpoint and names it", async () => {
        assert.deepEqual(await postgresAddress({}, stack), {
            host: "localhost",
            port: 30432,
            source: "stack output postgresHostEndpoint (stack dev)",
        });
    });

    void it("lets the flags override it, each half on its own", async () => {
        assert.deepEqual(await postgresAddress({ pgHost: "db", pgPort: 5433 }, stack), {
            host: "db",
            port: 5433,
            source: "flags --pg-host/--pg-port",
        });
        const half = await postgresAddress({ pgPort: 6543 }, stack);
        assert.equal(`${half.host}:${half.port}`, "localhost:6543");
        assert.match(half.source, /^stack output postgresHostEndpoint .*partly overridden/);
    });

    void it("falls back to the dev NodePort when the stack has no such output", async () => {
        const none = await postgresAddress({}, new FakeOutputs({}));
        assert.equal(`${none.host}:${none.port}`, "127.0.0.1:30432");
        assert.match(none.source, /dev default/);
    });
});

/** A stub S3 API on loopback: one bucket `lake` holding one object of three JSON lines. */
function stubS3(): Promise<Server> {
    const server = createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://x");
        // Path-style: ListObjectsV2 is GET /lake/?list-type=2&prefix=...
        if (/^\/lake\/?$/.test(url.pathname) && url.searchParams.get("list-type") === "2") {
            res.setHeader("Content-Type", "application/xml");
            res.end(
                `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>lake</Name>` +
                    `<Prefix>${url.searchParams.get("prefix") ?? ""}</Prefix><KeyCount>1</KeyCount>` +
                    `<IsTruncated>false</IsTruncated><Contents><Key>topics/u/part-0.json</Key>` +
                    `<ETag>"e1"</ETag><Size>27</Size></Contents></ListBucketResult>`,
            );
        } else if (url.pathname === "/lake/topics/u/part-0.json") {
            res.end('{"a":1}\n{"a":2}\n{"a":3}\n');
        } else {
            res.statusCode = 404;
            res.end();
        }
    });
    return new Promise((r) => server.listen(0, "127.0.0.1", () => r(server)));
}

void describe("check-landing reads the S3 endpoint from the stack outputs", () => {
    let server: Server;
    let bin = "";
    before(async () => {
        server = await stubS3();
        const { port } = server.address() as AddressInfo;
        bin = mkdtempSync(join(tmpdir(), "fake-pulumi-"));
        const outputs = { dataLakeBucketName: "lake", s3Endpoint: `http://127.0.0.1:${port}` };
        // `pulumi stack output --json` as the tools call it.
        writeFileSync(join(bin, "pulumi"), `#!/bin/sh\necho '${JSON.stringify(outputs)}'\n`);
        chmodSync(join(bin, "pulumi"), 0o755);
    });
    after(() => server?.close());
    const env = () => ({
        PATH: `${bin}:${process.env.PATH ?? ""}`,
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test",
        AWS_ENDPOINT_URL: "",
        AWS_ENDPOINT_URL_S3: "",
    });

    void it("counts the objects' records at the stack's s3Endpoint", async () => {
        const res = await runTool(
            "check-landing",
            ["--target", "users=s3:topics/u", "--expect", "users=3", "--timeout", "0", "--json"],
            env(),
        );
        assert.equal(res.code, 0, `${res.stdout}\n${res.stderr}`);
        const t = (JSON.parse(res.stdout) as { targets: { files: number; records: number }[] })
            .targets[0];
        assert.deepEqual([t.files, t.records], [1, 3]);
    });

    void it("lets --s3-endpoint override it, and names the flag when that fails", async () => {
        const dead = `http://127.0.0.1:${await freePort()}`;
        const res = await runTool(
            "check-landing",
            ["--target", "users=s3:topics/u", "--s3-endpoint", dead, "--timeout", "0"],
            env(),
        );
        assert.equal(res.code, 1, res.stdout);
        assert.match(res.stdout, new RegExp(`at ${dead} \\(from flag --s3-endpoint\\)`));
    });
});
