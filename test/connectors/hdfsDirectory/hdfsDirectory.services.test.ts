import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import axios from "axios";
import type {
    FileStatus,
    HdfsDirectoryInputs,
    HdfsDirectoryOutputs,
} from "../../../connectors/hdfsDirectory/resource";
import { serviceEnv } from "../../../scripts/services/control";

const hdfs = serviceEnv().hdfs;
const skip = hdfs
    ? false
    : "WEBHDFS_URL/HDFS_URL not set: run through `npm run test:services` (scripts/services/run.ts starts HDFS)";
if (skip) console.log(`# skipping HdfsDirectory real-service tests: ${skip}`);

type HdfsDirectoryModule = typeof import("../../../connectors/hdfsDirectory/resource");
let m: HdfsDirectoryModule;
const ROOT = `/it-hdfsdir-${process.pid}-${Date.now()}`;

/** Direct WebHDFS call as `user`, independent of the provider under test. */
async function webhdfs(
    method: string,
    path: string,
    op: string,
    params: Record<string, string> = {},
    user = hdfs!.user,
): Promise<{ status: number; body: Record<string, unknown> | undefined }> {
    const q = new URLSearchParams({ op, "user.name": user, ...params });
    const res = await axios.request<Record<string, unknown> | undefined>({
        method,
        url: `${hdfs!.webhdfsUrl}/webhdfs/v1${path}?${q.toString()}`,
        maxRedirects: 0,
        validateStatus: () => true,
    });
    return { status: res.status, body: res.data || undefined };
}

async function statusOf(path: string): Promise<FileStatus | undefined> {
    const res = await webhdfs("GET", path, "GETFILESTATUS");
    return res.status === 404 ? undefined : (res.body!.FileStatus as FileStatus);
}

/** Writes a small file through the NameNode's redirect to the DataNode. */
async function writeFile(path: string, content: string): Promise<void> {
    const first = await webhdfs("PUT", path, "CREATE", { overwrite: "true", noredirect: "true" });
    const location = first.body?.Location as string;
    // The DataNode answers `100 Continue` first, which Node's fetch rejects; axios copes.
    const res = await axios.put(location, content, {
        headers: { "Content-Type": "application/octet-stream" },
        validateStatus: () => true,
    });
    assert.equal(res.status, 201, JSON.stringify(res.data));
}

async function rejects(p: Promise<unknown>) {
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

function checked(args: Record<string, unknown>): HdfsDirectoryInputs {
    const { inputs, failures } = m.checkHdfsDirectory({
        webhdfsUrl: `${hdfs!.webhdfsUrl}/webhdfs/v1/`,
        user: hdfs!.user,
        retryTimeoutSeconds: 20,
        ...args,
    });
    assert.deepEqual(failures, []);
    return inputs as unknown as HdfsDirectoryInputs;
}

void describe("HdfsDirectory against a real NameNode and DataNode", { skip }, () => {
    before(async () => {
        m = await import("../../../connectors/hdfsDirectory/resource");
    });
    after(async () => {
        if (hdfs) await webhdfs("DELETE", ROOT, "DELETE", { recursive: "true" });
    });

    void it("goes through create, no-op, update, drift, refused delete and delete", async () => {
        const p = m.hdfsDirectoryProvider;
        const path = `${ROOT}/grid-wattage`;
        const v1 = checked({ path: `${path}/`, permission: "0750", group: "writers" });

        const created = await p.create(v1);
        assert.equal(created.id, path);
        let st = await statusOf(path);
        assert.deepEqual([st?.type, st?.permission, st?.group], ["DIRECTORY", "750", "writers"]);
        // The parent MKDIRS created on the way keeps the default mode, not the child's.
        assert.equal((await statusOf(ROOT))?.permission, "755");
        let state = created.outs!;
        assert.deepEqual(
            [state.permission, state.group, state.currentOwner],
            ["750", "writers", hdfs!.user],
        );

        // Refresh with nothing changed, then the same program again: no changes.
        const fresh = await p.read!(path, state);
        assert.deepEqual(fresh.props, state);
        assert.equal(m.diffHdfsDirectory(fresh.props, v1).changes, false);

        // Permission and owner change in the program: update in place.
        const v2 = checked({ path, permission: "1777", owner: "connect", group: "writers" });
        const diff = m.diffHdfsDirectory(state, v2);
        assert.deepEqual([diff.changes, diff.replaces], [true, []]);
        state = (await p.update!(path, state, v2)).outs!;
        st = await statusOf(path);
        assert.deepEqual([st?.permission, st?.owner, st?.group], ["1777", "connect", "writers"]);
        assert.deepEqual([state.permission, state.owner], ["1777", "connect"]);

        // Changed out of band: refresh sees it, the diff reports it, update puts it back.
        assert.equal(
            (await webhdfs("PUT", path, "SETPERMISSION", { permission: "700" })).status,
            200,
        );
        assert.equal((await webhdfs("PUT", path, "SETOWNER", { owner: "mallory" })).status, 200);
        const drifted = await p.read!(path, state);
        assert.deepEqual(
            [drifted.props?.permission, drifted.props?.owner, drifted.inputs?.permission],
            ["700", "mallory", "700"],
        );
        assert.equal(m.diffHdfsDirectory(drifted.props!, v2).changes, true);
        state = (await p.update!(path, drifted.props!, v2)).outs!;
        st = await statusOf(path);
        assert.deepEqual([st?.permission, st?.owner], ["1777", "connect"]);

        // Data landed: delete refuses and leaves it all in place.
        await writeFile(`${path}/sensor01.txt`, "1,230.5\n");
        const refused = await rejects(p.delete!(path, state));
        assert.equal(refused.kind, "not-empty");
        assert.match(refused.message, /refusing to delete a non-empty directory \(1 entries\)/);
        assert.equal((await statusOf(`${path}/sensor01.txt`))?.type, "FILE");

        // Only deleteContents drops the data.
        const v3 = checked({ path, permission: "1777", owner: "connect", deleteContents: true });
        state = (await p.update!(path, state, v3)).outs!;
        await p.delete!(path, state);
        assert.equal(await statusOf(path), undefined);
        // Refresh after the delete reports it gone.
        assert.deepEqual(await p.read!(path, state), {});
    });

    void it("deletes an empty directory and leaves its parent", async () => {
        const p = m.hdfsDirectoryProvider;
        const path = `${ROOT}/empty`;
        const { outs } = await p.create(checked({ path }));
        assert.equal((await statusOf(path))?.type, "DIRECTORY");
        await p.delete!(path, outs!);
        assert.equal(await statusOf(path), undefined);
        assert.equal((await statusOf(ROOT))?.type, "DIRECTORY");
        // A second delete (already gone) succeeds.
        await p.delete!(path, outs!);
    });

    void it("adopts an existing directory and fixes its mode", async () => {
        const path = `${ROOT}/existing`;
        await webhdfs("PUT", path, "MKDIRS", { permission: "700" });
        const { outs } = await m.hdfsDirectoryProvider.create(checked({ path, permission: "755" }));
        assert.equal(outs?.permission, "755");
        assert.equal((await statusOf(path))?.permission, "755");
    });

    void it("refuses a path that exists as a file, and a path below a file", async () => {
        const file = `${ROOT}/unorganized.txt`;
        await writeFile(file, "free text\n");
        const atFile = await rejects(m.hdfsDirectoryProvider.create(checked({ path: file })));
        assert.equal(atFile.kind, "not-a-directory");
        assert.equal(
            atFile.message,
            `HdfsDirectory ${file}: the path exists as a FILE, not a directory. Move or delete it, or choose another path.`,
        );
        const below = await rejects(
            m.hdfsDirectoryProvider.create(checked({ path: `${file}/sub` })),
        );
        assert.equal(below.kind, "not-a-directory");
        assert.match(below.message, /MKDIRS: a file is in the way: .*unorganized\.txt/);
        assert.equal((await statusOf(file))?.type, "FILE");
    });

    void it("reports permission denied with the user when another user's 700 directory is in the way", async () => {
        const p = m.hdfsDirectoryProvider;
        const priv = `${ROOT}/private`;
        await p.create(checked({ path: priv, permission: "700", owner: "alice" }));
        const denied = await rejects(p.create(checked({ path: `${priv}/bobs`, user: "bob" })));
        assert.equal(denied.kind, "permission-denied");
        assert.match(
            denied.message,
            new RegExp(
                `^HdfsDirectory ${priv}/bobs: GETFILESTATUS: permission denied for HDFS user "bob": ` +
                    `Permission denied: user=bob, access=EXECUTE, inode="${priv}":alice:supergroup:drwx------`,
            ),
        );
        // Changing the mode of someone else's directory is denied too.
        const chmod = await rejects(
            p.update!(
                priv,
                {} as HdfsDirectoryOutputs,
                checked({ path: priv, permission: "777", user: "bob" }),
            ),
        );
        assert.equal(chmod.kind, "permission-denied");
        assert.match(chmod.message, /SETPERMISSION: permission denied for HDFS user "bob"/);
        assert.equal((await statusOf(priv))?.permission, "700");
    });
});
