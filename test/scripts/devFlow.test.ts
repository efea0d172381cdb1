import * as assert from "node:assert/strict";
import {
    chmodSync,
    copyFileSync,
    mkdirSync,
    mkdtempSync,
    readFileSync,
    rmSync,
    writeFileSync,
} from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, beforeEach, describe, it, mock } from "node:test";
import { ROOT } from "../../scripts/dev/settings";
import { main as down } from "../../scripts/dev/down";
import { main as up } from "../../scripts/dev/up";

/** Fake docker/kind/kubectl/pulumi that keep their state as files in $FAKE and log every call. */
const FAKES: Record<string, string> = {
    docker: `
case "$1" in
  version) echo 27.0.0 ;;
  inspect)
    name="$4"; [ -f "$FAKE/c_$name" ] || exit 1
    case "$3" in
      *State*) echo running ;;
      *Networks*) if [ -f "$FAKE/net_$name" ]; then echo '{"bridge":{},"kind":{}}'; else echo '{"bridge":{}}'; fi ;;
    esac ;;
  run) for a in "$@"; do [ "$prev" = --name ] && touch "$FAKE/c_$a"; prev="$a"; done ;;
  start) touch "$FAKE/c_$2" ;;
  port) [ -f "$FAKE/cluster" ] && echo "30083/tcp -> 127.0.0.1:30083" ;;
  network) touch "$FAKE/net_$4" ;;
  exec)
    if [ "$2" = -i ]; then cat > "$FAKE/hosts_$3"
    elif [ "$3" = cat ]; then cat "$FAKE/hosts_$2" 2>/dev/null || exit 1
    fi ;;
  rm) [ -f "$FAKE/c_$3" ] || exit 1; rm -f "$FAKE/c_$3" ;;
esac`,
    kind: `
case "$1 $2" in
  "version "*) echo "kind v0.27.0 go1.23.6 linux/amd64" ;;
  "get clusters") [ -f "$FAKE/cluster" ] && echo ingest; true ;;
  "get nodes") echo ingest-control-plane ;;
  "create cluster") touch "$FAKE/cluster" ;;
  "delete cluster") rm -f "$FAKE/cluster" ;;
esac`,
    kubectl: `
case "$1" in
  version) echo '{"clientVersion":{"gitVersion":"v1.32.2"}}' ;;
  *) cat > "$FAKE/configmap" ;;
esac`,
    pulumi: `
case "$1 $2" in
  "version "*) echo v3.259.0 ;;
  "stack ls") if [ -f "$FAKE/stack" ]; then echo '[{"name":"dev"}]'; else echo '[]'; fi ;;
  "stack select") touch "$FAKE/stack" ;;
  "stack export") echo '{"deployment":{}}' ;;
  "stack output") echo '{"connectUrl":"http://localhost:30083","commands":{"connectors":"curl -s http://localhost:30083/connectors?expand=status"}}' ;;
  "destroy "*) [ -f "$FAKE/fail_destroy" ] && exit 1; true ;;
esac`,
};

describe("dev:up and dev:down against fake tools", () => {
    let dir: string;
    let fake: string;
    let lake: http.Server;
    let log: () => string[];
    let out: string[];

    before(async () => {
        dir = mkdtempSync(path.join(tmpdir(), "dev-flow-"));
        fake = path.join(dir, "fake");
        const bin = path.join(dir, "bin");
        const project = path.join(dir, "project");
        for (const d of [fake, bin, project, path.join(project, "scripts")]) mkdirSync(d);
        for (const [name, body] of Object.entries(FAKES)) {
            writeFileSync(
                path.join(bin, name),
                `#!/bin/sh\necho "${name} $*" >> "$FAKE/log"\n${body}\n`,
            );
            chmodSync(path.join(bin, name), 0o755);
        }
        // LocalStack's health endpoint, on a free port the copied Pulumi.dev.yaml points at.
        lake = http.createServer((_req, res) => res.writeHead(200).end("{}"));
        await new Promise<void>((r) => lake.listen(0, "127.0.0.1", r));
        const port = (lake.address() as AddressInfo).port;
        for (const f of ["Pulumi.yaml", "package.json"]) {
            copyFileSync(path.join(ROOT, f), path.join(project, f));
        }
        writeFileSync(
            path.join(project, "Pulumi.dev.yaml"),
            readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8").replace(
                "endpoint: http://localhost:4566",
                `endpoint: http://localhost:${port}`,
            ),
        );
        process.env.PATH = `${bin}:/usr/bin:/bin`;
        process.env.FAKE = fake;
        log = () =>
            readFileSync(path.join(fake, "log"), "utf8")
                .trim()
                .split("\n")
                // Read-only probes (checks) left out: what remains is what changed something.
                .filter(
                    (l) =>
                        !/ (version|inspect|port|get|stack ls|stack export)\b/.test(l) &&
                        !/^docker exec \S+ cat /.test(l),
                );
    });
    beforeEach(() => {
        writeFileSync(path.join(fake, "log"), "");
        out = [];
        mock.method(console, "log", (...a: unknown[]) => out.push(a.join(" ")));
        mock.method(console, "error", (...a: unknown[]) => out.push(a.join(" ")));
    });
    after(async () => {
        mock.restoreAll();
        await new Promise<void>((r) => lake.close(() => r()));
        rmSync(dir, { recursive: true, force: true });
    });

    const ctx = () => ({
        root: path.join(dir, "project"),
        env: { PATH: process.env.PATH, FAKE: fake, HOME: path.join(dir, "home") },
        nodeVersion: "22.12.0",
    });

    it("sets everything up in order on a fresh machine, then runs pulumi up", async () => {
        assert.equal(await up([], ctx()), 0, out.join("\n"));
        const port = /localhost:(\d+)/.exec(
            readFileSync(path.join(dir, "project", "Pulumi.dev.yaml"), "utf8").match(
                /endpoint: http:\/\/localhost:\d+/,
            )![0],
        )![1];
        assert.deepEqual(log(), [
            "docker run -d --restart=always --name kind-registry -p 127.0.0.1:5001:5000 --network bridge registry:2",
            `docker run -d --restart=always --name localstack -p 127.0.0.1:${port}:4566 localstack/localstack:4.4`,
            `kind create cluster --name ingest --config ${path.join(dir, "project", "scripts", "kind-config.yaml")}`,
            "docker network connect kind kind-registry",
            "docker exec ingest-control-plane mkdir -p /etc/containerd/certs.d/localhost:5001",
            "docker exec -i ingest-control-plane sh -c cat > '/etc/containerd/certs.d/localhost:5001/hosts.toml'",
            "kubectl --context kind-ingest apply -f -",
            "docker network connect kind localstack",
            "pulumi stack select --create dev --non-interactive",
            "pulumi up --stack dev --yes",
            "pulumi stack output --stack dev --json",
        ]);
        assert.equal(
            readFileSync(path.join(fake, "hosts_ingest-control-plane"), "utf8"),
            '[host."http://kind-registry:5000"]\n',
        );
        assert.match(readFileSync(path.join(fake, "configmap"), "utf8"), /host: "localhost:5001"/);
        const text = out.join("\n");
        assert.ok(text.includes("  connectUrl: http://localhost:30083"), text);
        assert.ok(text.includes("  npm run produce-sales"), text);
        assert.ok(text.includes("  npm run check-landing"), text);
    });

    it("continues where it stopped: a second run only runs pulumi up", async () => {
        assert.equal(await up([], ctx()), 0, out.join("\n"));
        assert.deepEqual(log(), [
            "pulumi up --stack dev --yes",
            "pulumi stack output --stack dev --json",
        ]);
    });

    it("restarts only what went away (the cluster deleted out of band)", async () => {
        rmSync(path.join(fake, "cluster"));
        rmSync(path.join(fake, "hosts_ingest-control-plane"));
        assert.equal(await up([], ctx()), 0, out.join("\n"));
        assert.deepEqual(log().slice(0, 4), [
            `kind create cluster --name ingest --config ${path.join(dir, "project", "scripts", "kind-config.yaml")}`,
            "docker exec ingest-control-plane mkdir -p /etc/containerd/certs.d/localhost:5001",
            "docker exec -i ingest-control-plane sh -c cat > '/etc/containerd/certs.d/localhost:5001/hosts.toml'",
            "kubectl --context kind-ingest apply -f -",
        ]);
    });

    it("--small sets its four keys before pulumi up", async () => {
        assert.equal(await up(["--small"], ctx()), 0, out.join("\n"));
        assert.deepEqual(log(), [
            "pulumi config set --stack dev --path ksqldb.enabled false",
            "pulumi config set --stack dev --path ksqldb.cli false",
            "pulumi config set --stack dev --path console.enabled false",
            "pulumi config set --stack dev --path sqoop.enabled false",
            "pulumi up --stack dev --yes",
            "pulumi stack output --stack dev --json",
        ]);
    });

    it("dev:down stops when destroy fails and says how to go on", async () => {
        writeFileSync(path.join(fake, "fail_destroy"), "");
        assert.equal(await down([], ctx()), 1);
        assert.deepEqual(log(), ["pulumi destroy --stack dev --yes"]);
        assert.ok(out.join("\n").includes("npm run dev:down -- --force"), out.join("\n"));
        rmSync(path.join(fake, "fail_destroy"));
    });

    it("dev:down destroys the stack, then deletes the cluster and both containers", async () => {
        assert.equal(await down([], ctx()), 0, out.join("\n"));
        assert.deepEqual(log(), [
            "pulumi destroy --stack dev --yes",
            "kind delete cluster --name ingest",
            "docker rm -f kind-registry",
            "docker rm -f localstack",
        ]);
    });
});
