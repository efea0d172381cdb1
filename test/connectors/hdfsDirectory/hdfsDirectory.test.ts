import { after, afterEach, before, describe, it, mock } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import * as net from "node:net";
import * as vm from "node:vm";
import * as pulumi from "@pulumi/pulumi";
import type {
    FileStatus,
    HdfsDirectoryInputs,
    HdfsDirectoryOutputs,
} from "../../../connectors/hdfsDirectory/resource";
import { HttpStub, type StubReply, type StubRequest } from "../../helpers/httpStub";
import { one, resolve, settle, setupMocks } from "../../helpers/mocks";

// A secret in the stack config: the serialized provider must never carry it (nor the config store).
const SECRET = "hdfs-dir-test-secret-value";
setupMocks({
    config: { "ingest-platform:postgresPassword": SECRET },
    secretKeys: ["ingest-platform:postgresPassword"],
});

type HdfsDirectoryModule = typeof import("../../../connectors/hdfsDirectory/resource");
let m: HdfsDirectoryModule;
before(async () => {
    m = await import("../../../connectors/hdfsDirectory/resource");
});

const PATH = "/grid-wattage";

function remote(exception: string, message: string): StubReply {
    return {
        status: exception === "FileNotFoundException" ? 404 : 403,
        body: { RemoteException: { exception, javaClassName: `x.${exception}`, message } },
    };
}
const missing = remote("FileNotFoundException", `File does not exist: ${PATH}`);
const ok: StubReply = { status: 200 };
const bool = (b: boolean): StubReply => ({ status: 200, body: { boolean: b } });
function status(over: Partial<FileStatus> = {}): StubReply {
    const fs = { type: "DIRECTORY", permission: "755", owner: "hdfs", group: "supergroup" };
    return { status: 200, body: { FileStatus: { childrenNum: 0, ...fs, ...over } } };
}

async function rejects(
    p: Promise<unknown>,
): Promise<InstanceType<HdfsDirectoryModule["HdfsDirectoryError"]>> {
    try {
        await p;
    } catch (e) {
        assert.ok(
            e instanceof m.HdfsDirectoryError,
            `expected HdfsDirectoryError, got ${String(e)}`,
        );
        return e;
    }
    assert.fail("expected a failure");
}

async function closedPort(): Promise<number> {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    return port;
}

void describe("HdfsDirectory check", () => {
    const base = { webhdfsUrl: "http://localhost:30870", path: PATH, user: "hdfs" };

    void it("applies defaults and normalizes URL, path and permission", () => {
        const { inputs, failures } = m.checkHdfsDirectory({
            ...base,
            webhdfsUrl: "http://localhost:30870/webhdfs/v1/",
            path: "//grid-wattage//sensor01/",
            permission: "0750",
            __provider: "serialized code",
        });
        assert.deepEqual(failures, []);
        assert.deepEqual(inputs, {
            webhdfsUrl: "http://localhost:30870",
            path: "/grid-wattage/sensor01",
            permission: "750",
            user: "hdfs",
            deleteContents: false,
            retryTimeoutSeconds: 60,
            providerVersion: "1",
        });
    });

    const failures: [string, Record<string, unknown>, string, string][] = [
        [
            "a relative path",
            { path: "data" },
            "path",
            'path must be an absolute HDFS path below "/" such as "/grid-wattage", without "." or ".." segments or ":" (got "data")',
        ],
        [
            "the root",
            { path: "/" },
            "path",
            'path must be an absolute HDFS path below "/" such as "/grid-wattage", without "." or ".." segments or ":" (got "/")',
        ],
        [
            "a .. segment",
            { path: "/a/../b" },
            "path",
            'path must be an absolute HDFS path below "/" such as "/grid-wattage", without "." or ".." segments or ":" (got "/a/../b")',
        ],
        [
            "a colon",
            { path: "/a:b" },
            "path",
            'path must be an absolute HDFS path below "/" such as "/grid-wattage", without "." or ".." segments or ":" (got "/a:b")',
        ],
        [
            "a non-octal mode",
            { permission: "789" },
            "permission",
            'permission must be an octal mode such as "755", or "1777" with the sticky bit (got "789")',
        ],
        [
            "setgid",
            { permission: "2755" },
            "permission",
            'permission must be an octal mode such as "755", or "1777" with the sticky bit (got "2755")',
        ],
        [
            "a numeric mode",
            { permission: 755 },
            "permission",
            'permission must be an octal mode such as "755", or "1777" with the sticky bit (got 755)',
        ],
        [
            "a missing user",
            { user: undefined },
            "user",
            'user must be an HDFS user or group name such as "hdfs" (got undefined)',
        ],
        [
            "a bad owner",
            { owner: "john smith" },
            "owner",
            'owner must be an HDFS user or group name such as "hdfs" (got "john smith")',
        ],
        [
            "a bad group",
            { group: "" },
            "group",
            'group must be an HDFS user or group name such as "hdfs" (got "")',
        ],
        [
            "a URL without scheme",
            { webhdfsUrl: "localhost:9870" },
            "webhdfsUrl",
            'webhdfsUrl must be an http(s) URL such as "http://localhost:30870" (got "localhost:9870")',
        ],
        [
            "a string deleteContents",
            { deleteContents: "yes" },
            "deleteContents",
            'deleteContents must be true or false (got "yes")',
        ],
        [
            "a zero retry timeout",
            { retryTimeoutSeconds: 0 },
            "retryTimeoutSeconds",
            "retryTimeoutSeconds must be a number of seconds from 1 to 3600 (got 0)",
        ],
    ];
    for (const [label, over, property, reason] of failures) {
        void it(`rejects ${label}, naming ${property}`, () => {
            assert.deepEqual(m.checkHdfsDirectory({ ...base, ...over }).failures, [
                { property, reason },
            ]);
        });
    }

    void it("lets unknown preview values through without validating them", () => {
        const unknown = pulumi.runtime.unknownValue;
        const { inputs, failures } = m.checkHdfsDirectory({
            webhdfsUrl: unknown,
            path: unknown,
            permission: unknown,
            user: unknown,
            owner: unknown,
        });
        assert.deepEqual(failures, []);
        assert.equal(inputs.webhdfsUrl, unknown);
        assert.equal(inputs.path, unknown);
    });

    const modes: [string, string | undefined][] = [
        ["755", "755"],
        ["0755", "755"],
        ["1777", "1777"],
        ["01777", "1777"],
        ["055", "55"],
        ["000", "0"],
        ["75", undefined],
        ["00755", "755"],
        ["000755", undefined],
        ["4755", undefined],
    ];
    for (const [mode, expected] of modes) {
        void it(`canonicalizes permission ${mode} to ${String(expected)}`, () => {
            assert.equal(m.canonicalPermission(mode), expected);
        });
    }

    const paths: [string, string | undefined][] = [
        ["/a", "/a"],
        ["/a/b/", "/a/b"],
        ["///a//b", "/a/b"],
        ["/a/./b", undefined],
        ["a/b", undefined],
        ["//", undefined],
    ];
    for (const [path, expected] of paths) {
        void it(`normalizes path ${path} to ${String(expected)}`, () => {
            assert.equal(m.normalizePath(path), expected);
        });
    }
});

void describe("HdfsDirectory diff", () => {
    const news: HdfsDirectoryInputs = {
        webhdfsUrl: "http://localhost:30870",
        path: PATH,
        permission: "755",
        user: "hdfs",
        deleteContents: false,
        retryTimeoutSeconds: 60,
        providerVersion: "1",
    };
    const olds: HdfsDirectoryOutputs = {
        ...news,
        currentOwner: "hdfs",
        currentGroup: "supergroup",
    };
    const cases: [
        string,
        Partial<HdfsDirectoryOutputs>,
        Partial<HdfsDirectoryInputs>,
        boolean,
        string[],
    ][] = [
        ["nothing changed", {}, {}, false, []],
        ["permission drifted", { permission: "700" }, {}, true, []],
        ["permission declared differently", {}, { permission: "750" }, true, []],
        ["owner newly declared", {}, { owner: "connect" }, true, []],
        [
            "owner still undeclared while the directory is owned by someone else",
            { currentOwner: "bob" },
            {},
            false,
            [],
        ],
        ["declared group drifted", { group: "other" }, { group: "hadoop" }, true, []],
        ["deleteContents switched on", {}, { deleteContents: true }, true, []],
        ["providerVersion bumped", {}, { providerVersion: "2" }, true, []],
        ["webhdfsUrl moved", {}, { webhdfsUrl: "http://localhost:30871" }, true, []],
        ["path changed", {}, { path: "/other" }, true, ["path"]],
    ];
    for (const [label, oldOver, newOver, changes, replaces] of cases) {
        void it(`${changes ? "reports" : "ignores"} ${label}`, () => {
            const d = m.diffHdfsDirectory({ ...olds, ...oldOver }, { ...news, ...newOver });
            assert.equal(d.changes, changes);
            assert.deepEqual(d.replaces, replaces);
            assert.equal(d.deleteBeforeReplace, true);
        });
    }
});

void describe("HdfsDirectory provider against a stubbed WebHDFS", () => {
    let stub: HttpStub;
    before(async () => {
        stub = await HttpStub.start();
    });
    afterEach(() => {
        stub.reset();
        mock.restoreAll();
    });
    after(() => stub.close());

    /** Serves `ops` for one path; each op has its own reply queue (the last reply repeats). */
    function serve(path: string, ops: Record<string, StubReply[]>): void {
        const queues = new Map(Object.entries(ops).map(([op, replies]) => [op, [...replies]]));
        const handler = (req: StubRequest): StubReply => {
            const q = queues.get(req.query.get("op") ?? "");
            if (!q) return { status: 400, body: { message: `unexpected ${req.query.get("op")}` } };
            return q.length > 1 ? q.shift()! : q[0];
        };
        for (const method of ["GET", "PUT", "DELETE"])
            stub.route(method, `/webhdfs/v1${path}`, handler);
    }

    /** `METHOD OP k=v…` of every call, in order, without op and user.name. */
    function calls(): string[] {
        return stub.requests.map((r) => {
            const params = [...r.query.entries()]
                .filter(([k]) => k !== "op" && k !== "user.name")
                .map(([k, v]) => ` ${k}=${v}`)
                .join("");
            return `${r.method} ${r.query.get("op")}${params}`;
        });
    }

    const inputs = (over: Partial<HdfsDirectoryInputs> = {}): HdfsDirectoryInputs => ({
        webhdfsUrl: stub.url,
        path: PATH,
        permission: "755",
        user: "hdfs",
        deleteContents: false,
        retryTimeoutSeconds: 2,
        providerVersion: "1",
        ...over,
    });

    void it("creates a missing directory with MKDIRS and re-reads it", async () => {
        serve(PATH, { GETFILESTATUS: [missing, status(), status()], MKDIRS: [bool(true)] });
        const res = await m.hdfsDirectoryProvider.create(inputs());
        assert.deepEqual(calls(), [
            "GET GETFILESTATUS",
            "PUT MKDIRS",
            "GET GETFILESTATUS",
            "GET GETFILESTATUS",
        ]);
        assert.ok(stub.requests.every((r) => r.query.get("user.name") === "hdfs"));
        assert.equal(res.id, PATH);
        assert.deepEqual(res.outs, {
            ...inputs(),
            currentOwner: "hdfs",
            currentGroup: "supergroup",
        });
    });

    void it("sets the mode after a mode-less MKDIRS (so new parents keep the default) and sets owner and group", async () => {
        const done = status({ permission: "1777", owner: "connect", group: "writers" });
        serve(PATH, {
            GETFILESTATUS: [missing, status(), done],
            MKDIRS: [bool(true)],
            SETPERMISSION: [ok],
            SETOWNER: [ok],
        });
        const res = await m.hdfsDirectoryProvider.create(
            inputs({ permission: "1777", owner: "connect", group: "writers" }),
        );
        assert.deepEqual(calls(), [
            "GET GETFILESTATUS",
            "PUT MKDIRS",
            "GET GETFILESTATUS",
            "PUT SETPERMISSION permission=1777",
            "PUT SETOWNER owner=connect group=writers",
            "GET GETFILESTATUS",
        ]);
        assert.equal(res.outs?.owner, "connect");
        assert.equal(res.outs?.group, "writers");
    });

    void it("adopts an existing directory without MKDIRS", async () => {
        serve(PATH, {
            GETFILESTATUS: [status({ permission: "700" }), status()],
            SETPERMISSION: [ok],
        });
        await m.hdfsDirectoryProvider.create(inputs());
        assert.deepEqual(calls(), [
            "GET GETFILESTATUS",
            "PUT SETPERMISSION permission=755",
            "GET GETFILESTATUS",
        ]);
    });

    void it("encodes each path segment in the URL", async () => {
        serve("/a b/c%d", { GETFILESTATUS: [status()] });
        await m.hdfsDirectoryProvider.create(inputs({ path: "/a b/c%d" }));
        assert.equal(stub.requests[0].path, "/webhdfs/v1/a b/c%d");
    });

    void it("refuses a path that exists as a file", async () => {
        serve(PATH, { GETFILESTATUS: [status({ type: "FILE" })] });
        const err = await rejects(m.hdfsDirectoryProvider.create(inputs()));
        assert.equal(err.kind, "not-a-directory");
        assert.equal(
            err.message,
            `HdfsDirectory ${PATH}: the path exists as a FILE, not a directory. Move or delete it, or choose another path.`,
        );
    });

    void it("explains a parent that is a file", async () => {
        serve("/f/sub", {
            GETFILESTATUS: [missing],
            MKDIRS: [remote("ParentNotDirectoryException", "/f (is not a directory)")],
        });
        const err = await rejects(m.hdfsDirectoryProvider.create(inputs({ path: "/f/sub" })));
        assert.equal(err.kind, "not-a-directory");
        assert.equal(
            err.message,
            "HdfsDirectory /f/sub: MKDIRS: a file is in the way: /f (is not a directory). Move or delete that file, or choose another path.",
        );
    });

    void it("names the user and the fix when permission is denied", async () => {
        const denied =
            'Permission denied: user=bob, access=WRITE, inode="/":hdfs:supergroup:drwxr-xr-x';
        serve(PATH, {
            GETFILESTATUS: [missing],
            MKDIRS: [remote("AccessControlException", denied)],
        });
        const err = await rejects(m.hdfsDirectoryProvider.create(inputs({ user: "bob" })));
        assert.equal(err.kind, "permission-denied");
        assert.equal(
            err.message,
            `HdfsDirectory ${PATH}: MKDIRS: permission denied for HDFS user "bob": ${denied}. Run as the directory's owner or an HDFS superuser (the NameNode's user or a member of dfs.permissions.superusergroup), or open up the parent directory.`,
        );
        assert.equal(stub.calls("PUT", `/webhdfs/v1${PATH}`).length, 1);
    });

    void it("waits while the NameNode is in safe mode", async () => {
        const safe = remote(
            "SafeModeException",
            "Cannot create directory. Name node is in safe mode.",
        );
        serve(PATH, { GETFILESTATUS: [missing, status()], MKDIRS: [safe, safe, bool(true)] });
        await m.hdfsDirectoryProvider.create(inputs());
        assert.equal(stub.calls("PUT", `/webhdfs/v1${PATH}`).length, 3);
    });

    void it("passes other server errors through with method, URL and message", async () => {
        serve(PATH, {
            GETFILESTATUS: [
                {
                    status: 500,
                    body: {
                        RemoteException: { exception: "NullPointerException", message: "boom" },
                    },
                },
            ],
        });
        const err = await rejects(m.hdfsDirectoryProvider.create(inputs()));
        assert.equal(err.kind, "failed");
        assert.equal(
            err.message,
            `HdfsDirectory ${PATH}: GETFILESTATUS failed: GET ${stub.url}/webhdfs/v1${PATH}?op=GETFILESTATUS&user.name=hdfs failed: 500: boom`,
        );
    });

    void it("reports an unreachable NameNode with its URL and a hint", async () => {
        const url = `http://127.0.0.1:${await closedPort()}`;
        const err = await rejects(
            m.hdfsDirectoryProvider.create(inputs({ webhdfsUrl: url, retryTimeoutSeconds: 1 })),
        );
        assert.equal(err.kind, "unreachable");
        assert.match(
            err.message,
            new RegExp(
                `^HdfsDirectory ${PATH}: GETFILESTATUS: cannot reach WebHDFS at ${url} \\(ECONNREFUSED, no answer within \\d+\\.\\ds\\)\\. Is the NameNode running, and is webhdfsUrl reachable from where Pulumi runs\\? On kind, use the Hdfs component's hostWebhdfsUrl \\(NodePort\\), not the in-cluster webhdfsUrl\\. \\[GET `,
            ),
        );
    });

    void it("gives up on a NameNode that never answers after 15 s at most, naming the config key", async () => {
        const url = `http://127.0.0.1:${await closedPort()}`;
        const hint =
            "Config key: hdfs.webhdfsNodePort (localhost:30870). Is the kind cluster running?";
        const err = await rejects(
            m.hdfsDirectoryProvider.read!(
                PATH,
                state({ webhdfsUrl: url, retryTimeoutSeconds: 3600, endpointHint: hint }),
            ),
        );
        assert.equal(err.kind, "unreachable");
        // The 3600 s NameNode start-up window does not apply to a server that never answers.
        const waited = Number(/no answer within (\d+\.\d)s/.exec(err.message)?.[1]);
        assert.ok(waited <= 15, err.message);
        assert.ok(
            err.message.startsWith(
                `HdfsDirectory ${PATH}: GETFILESTATUS: cannot reach WebHDFS at ${url} (ECONNREFUSED, no answer within `,
            ),
            err.message,
        );
        assert.ok(err.message.includes(`s). ${hint} [GET ${url}/webhdfs/v1${PATH}?`), err.message);
    });

    const proxyPage: StubReply = {
        status: 404,
        headers: { "Content-Type": "text/html" },
        body: "<html><head><title>404 Not Found</title></head><body><center>nginx</center></body></html>",
    };

    void it("keeps the directory in state when refresh gets a 404 page that is not WebHDFS (wrong URL)", async () => {
        serve(PATH, { GETFILESTATUS: [proxyPage] });
        const hint = "Config key: hdfs.webhdfsUrl. Is it right?";
        const err = await rejects(
            m.hdfsDirectoryProvider.read!(PATH, state({ endpointHint: hint })),
        );
        assert.equal(err.kind, "not-webhdfs");
        assert.equal(
            err.message,
            `HdfsDirectory ${PATH}: GETFILESTATUS: GET ${stub.url}/webhdfs/v1${PATH}?op=GETFILESTATUS&user.name=hdfs answered 404 with a page that is not WebHDFS's JSON (<html><head><title>404 Not Found</title></head><body><center>nginx</center></body></html>): is ${stub.url} not a NameNode's WebHDFS? ${hint}`,
        );
        assert.deepEqual(calls(), ["GET GETFILESTATUS"]);
    });

    void it("refuses to create when a 404 page that is not WebHDFS answers, and sends no MKDIRS", async () => {
        serve(PATH, { GETFILESTATUS: [proxyPage], MKDIRS: [bool(true)] });
        const err = await rejects(m.hdfsDirectoryProvider.create(inputs()));
        assert.equal(err.kind, "not-webhdfs");
        assert.deepEqual(calls(), ["GET GETFILESTATUS"]);
    });

    void it("does not delete on a 200 page that is not WebHDFS (a login page)", async () => {
        serve(PATH, { GETFILESTATUS: [{ status: 200, body: "<html>Sign in</html>" }] });
        const err = await rejects(m.hdfsDirectoryProvider.delete!(PATH, state()));
        assert.equal(err.kind, "not-webhdfs");
        assert.match(
            err.message,
            /answered 200 with a page that is not WebHDFS's JSON \(<html>Sign in<\/html>\)/,
        );
        assert.deepEqual(calls(), ["GET GETFILESTATUS"]);
    });

    void it("still reports a directory gone on the NameNode's own FileNotFoundException", async () => {
        serve(PATH, { GETFILESTATUS: [missing] });
        const res = await m.hdfsDirectoryProvider.read!(PATH, state());
        assert.deepEqual(res, {});
    });

    void it("reads drift in permission and declared owner, and returns the live values as inputs", async () => {
        serve(PATH, { GETFILESTATUS: [status({ permission: "700", owner: "bob" })] });
        const state = {
            ...inputs({ owner: "connect" }),
            currentOwner: "connect",
            currentGroup: "supergroup",
        };
        const res = await m.hdfsDirectoryProvider.read!(PATH, state);
        const live = { ...state, permission: "700", owner: "bob", currentOwner: "bob" };
        assert.deepEqual(res, {
            id: PATH,
            props: live,
            inputs: live,
        });
        assert.equal(m.diffHdfsDirectory(res.props, inputs({ owner: "connect" })).changes, true);
    });

    void it("reports a directory deleted out of band, or replaced by a file, as gone", async () => {
        const state = { ...inputs(), currentOwner: "hdfs", currentGroup: "supergroup" };
        serve(PATH, { GETFILESTATUS: [missing] });
        assert.deepEqual(await m.hdfsDirectoryProvider.read!(PATH, state), {});
        serve(PATH, { GETFILESTATUS: [status({ type: "FILE" })] });
        assert.deepEqual(await m.hdfsDirectoryProvider.read!(PATH, state), {});
    });

    void it("updates permission and owner in place", async () => {
        serve(PATH, {
            GETFILESTATUS: [status(), status({ permission: "750", owner: "connect" })],
            SETPERMISSION: [ok],
            SETOWNER: [ok],
        });
        const olds = { ...inputs(), currentOwner: "hdfs", currentGroup: "supergroup" };
        const res = await m.hdfsDirectoryProvider.update!(
            PATH,
            olds,
            inputs({ permission: "750", owner: "connect" }),
        );
        assert.deepEqual(calls(), [
            "GET GETFILESTATUS",
            "PUT SETPERMISSION permission=750",
            "PUT SETOWNER owner=connect",
            "GET GETFILESTATUS",
        ]);
        assert.equal(res.outs?.permission, "750");
    });

    const state = (over: Partial<HdfsDirectoryInputs> = {}): HdfsDirectoryOutputs => ({
        ...inputs(over),
        currentOwner: "hdfs",
        currentGroup: "supergroup",
    });

    void it("refuses to delete a non-empty directory and sends no DELETE", async () => {
        serve(PATH, { GETFILESTATUS: [status({ childrenNum: 3 })] });
        const err = await rejects(m.hdfsDirectoryProvider.delete!(PATH, state()));
        assert.equal(err.kind, "not-empty");
        assert.equal(
            err.message,
            `HdfsDirectory ${PATH}: refusing to delete a non-empty directory (3 entries); its data is kept unless deleteContents is true. To delete it with its contents, set deleteContents: true and run \`pulumi up\` first; to keep the data and stop managing it, run \`pulumi state delete <urn>\`.`,
        );
        assert.deepEqual(calls(), ["GET GETFILESTATUS"]);
    });

    void it("names the stack's config key when it refuses to delete a non-empty directory", async () => {
        serve(PATH, { GETFILESTATUS: [status({ childrenNum: 2 })] });
        const hint =
            "run `pulumi config set --path pipelines.deleteDataOnDestroy true` and `pulumi up` first";
        const err = await rejects(
            m.hdfsDirectoryProvider.delete!(PATH, state({ deleteContentsHint: hint })),
        );
        assert.equal(
            err.message,
            `HdfsDirectory ${PATH}: refusing to delete a non-empty directory (2 entries); its data is kept unless deleteContents is true. To delete it with its contents, run \`pulumi config set --path pipelines.deleteDataOnDestroy true\` and \`pulumi up\` first; to keep the data and stop managing it, run \`pulumi state delete <urn>\`.`,
        );
        assert.deepEqual(calls(), ["GET GETFILESTATUS"]);
    });

    void it("refuses when the directory filled up between the check and the DELETE", async () => {
        serve(PATH, {
            GETFILESTATUS: [status()],
            DELETE: [
                remote(
                    "PathIsNotEmptyDirectoryException",
                    "`/grid-wattage is non empty': Directory is not empty",
                ),
            ],
        });
        const err = await rejects(m.hdfsDirectoryProvider.delete!(PATH, state()));
        assert.equal(err.kind, "not-empty");
        assert.deepEqual(calls(), ["GET GETFILESTATUS", "DELETE DELETE recursive=false"]);
    });

    void it("deletes an empty directory non-recursively", async () => {
        serve(PATH, { GETFILESTATUS: [status()], DELETE: [bool(true)] });
        await m.hdfsDirectoryProvider.delete!(PATH, state());
        assert.deepEqual(calls(), ["GET GETFILESTATUS", "DELETE DELETE recursive=false"]);
    });

    void it("deletes contents recursively only with deleteContents", async () => {
        serve(PATH, { GETFILESTATUS: [status({ childrenNum: 3 })], DELETE: [bool(true)] });
        await m.hdfsDirectoryProvider.delete!(PATH, state({ deleteContents: true }));
        assert.deepEqual(calls(), ["GET GETFILESTATUS", "DELETE DELETE recursive=true"]);
    });

    void it("treats an already-missing directory as deleted", async () => {
        serve(PATH, { GETFILESTATUS: [missing] });
        await m.hdfsDirectoryProvider.delete!(PATH, state());
        assert.deepEqual(calls(), ["GET GETFILESTATUS"]);
    });

    void it("leaves a file that replaced the directory alone, with a warning", async () => {
        const warn = mock.method(console, "warn", () => undefined);
        serve(PATH, { GETFILESTATUS: [status({ type: "FILE" })] });
        await m.hdfsDirectoryProvider.delete!(PATH, state());
        assert.deepEqual(calls(), ["GET GETFILESTATUS"]);
        assert.match(
            String(warn.mock.calls[0].arguments[0]),
            /now a FILE, not ours to delete; left in place/,
        );
    });

    void it("warns and keeps going when the NameNode is unreachable on delete", async () => {
        const warn = mock.method(console, "warn", () => undefined);
        const url = `http://127.0.0.1:${await closedPort()}`;
        await m.hdfsDirectoryProvider.delete!(
            PATH,
            state({ webhdfsUrl: url, retryTimeoutSeconds: 1 }),
        );
        assert.equal(warn.mock.callCount(), 1);
        assert.match(
            String(warn.mock.calls[0].arguments[0]),
            /cannot reach WebHDFS at .* The directory, if it still exists, was left in place\.$/,
        );
    });
});

void describe("HdfsDirectory resource", () => {
    const TYPE = "pulumi-nodejs:dynamic/ingest:HdfsDirectory";
    let stub: HttpStub;
    before(async () => {
        stub = await HttpStub.start();
    });
    after(() => stub.close());

    void it("registers the dynamic type with exactly the declared fields and its provider code", async () => {
        const dir = new m.HdfsDirectory("wattage", {
            webhdfsUrl: "http://nn.example:31999",
            path: "/grid-wattage",
            user: "hdfs",
            permission: "750",
        });
        await settle();
        const r = one(TYPE, "wattage");
        assert.deepEqual(Object.keys(r.inputs).sort(), [
            "__provider",
            "path",
            "permission",
            "user",
            "webhdfsUrl",
        ]);
        assert.equal(typeof r.inputs.__provider, "string");
        // The endpoint travels as an input, never inside the serialized provider.
        assert.ok(!(r.inputs.__provider as string).includes("nn.example"));
        assert.ok(!(r.inputs.__provider as string).includes(SECRET));
        assert.ok(!(r.inputs.__provider as string).includes("ingest-platform:postgresPassword"));
        assert.equal(await resolve(dir.path), "/grid-wattage");
    });

    void it("runs check and create through the serialized provider, as the Pulumi engine does", async () => {
        const text = one(TYPE, "wattage").inputs.__provider as string;
        const mod: { exports: Record<string, unknown> } = { exports: {} };
        const load = vm.runInThisContext(`(function (exports, require, module) {${text}\n})`) as (
            e: unknown,
            r: NodeJS.Require,
            m: unknown,
        ) => void;
        load(mod.exports, createRequire(__filename), mod);
        const provider = (mod.exports.handler as () => typeof m.hdfsDirectoryProvider)();
        // The host calls configure once, right after loading: the shim loads the implementation.
        await provider.configure!({ config: {} as pulumi.dynamic.ConfigureRequest["config"] });

        const checked = await provider.check!(
            {} as HdfsDirectoryInputs,
            {
                webhdfsUrl: `${stub.url}/webhdfs/v1`,
                path: "/grid-wattage/",
                user: "hdfs",
            } as HdfsDirectoryInputs,
        );
        assert.deepEqual(checked.failures, []);
        stub.route("GET", "/webhdfs/v1/grid-wattage", [
            {
                status: 404,
                body: { RemoteException: { exception: "FileNotFoundException", message: "no" } },
            },
            {
                status: 200,
                body: {
                    FileStatus: { type: "DIRECTORY", permission: "755", owner: "hdfs", group: "g" },
                },
            },
        ]);
        stub.route("PUT", "/webhdfs/v1/grid-wattage", [{ status: 200, body: { boolean: true } }]);
        const created = await provider.create(checked.inputs!);
        assert.equal(created.id, "/grid-wattage");
        assert.equal(created.outs?.currentGroup, "g");
    });
});
