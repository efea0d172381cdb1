import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { nonRootPod } from "../../../components/platform/common";
import {
    httpfsContainer,
    httpfsLabels,
    httpfsStartScript,
    httpfsVolumes,
    HTTPFS_READY_PATH,
} from "../../../components/platform/hdfs/httpfs";
import {
    coreSiteProperties,
    HDFS_LAYOUT,
    HTTPFS_USER,
    httpfsSiteProperties,
    httpfsSiteXml,
} from "../../../components/platform/hdfs/siteXml";
import {
    resolveHdfsSettings,
    validateHdfsSettings,
} from "../../../components/platform/hdfs/settings";
import { restrictedViolations } from "./podSecurity";

const ROOT = join(__dirname, "../../..");
const site = {
    namenodeHost: "hdfs-namenode.ingest.svc.cluster.local",
    rpcPort: 9000,
    datanodes: 1,
};

void describe("HttpFS gateway config", () => {
    void it("lets the gateway's user act for others only when there is a gateway", () => {
        const withGateway = coreSiteProperties({ ...site, httpfsProxyUser: HTTPFS_USER });
        assert.equal(withGateway["hadoop.proxyuser.httpfs.hosts"], "*");
        assert.equal(withGateway["hadoop.proxyuser.httpfs.groups"], "*");
        const without = coreSiteProperties(site);
        assert.deepEqual(
            Object.keys(without).filter((k) => k.startsWith("hadoop.proxyuser.")),
            [],
        );
        // Overrides still win, e.g. to narrow the groups.
        const narrowed = coreSiteProperties({
            ...site,
            httpfsProxyUser: HTTPFS_USER,
            coreSiteOverrides: { "hadoop.proxyuser.httpfs.groups": "analysts" },
        });
        assert.equal(narrowed["hadoop.proxyuser.httpfs.groups"], "analysts");
    });

    void it("listens on 14000 and reads its signing secret from the pod's /tmp, not the ConfigMap", () => {
        assert.deepEqual(httpfsSiteProperties(), {
            "httpfs.http.hostname": "0.0.0.0",
            "httpfs.http.port": "14000",
            "hadoop.http.authentication.signature.secret.file":
                "/tmp/httpfs/httpfs-signature.secret",
        });
        assert.match(httpfsSiteXml(), /<name>httpfs\.http\.port<\/name>\s*<value>14000<\/value>/);
    });

    void it("writes a private random secret, then execs the launcher (run for real)", () => {
        const dir = mkdtempSync(join(tmpdir(), "httpfs-start-"));
        const calls = join(dir, "calls");
        const fakeHdfs = join(dir, "hdfs");
        writeFileSync(fakeHdfs, `#!/bin/sh\necho "$@" >> "${calls}"\n`);
        chmodSync(fakeHdfs, 0o755);
        const secrets = [1, 2].map(() => {
            const res = spawnSync("/bin/bash", [
                "-c",
                httpfsStartScript({ home: join(dir, "home"), hdfsBin: fakeHdfs }),
            ]);
            assert.equal(res.status, 0, res.stderr.toString());
            const file = join(dir, "home", "httpfs-signature.secret");
            assert.equal(statSync(file).mode & 0o777, 0o600);
            return readFileSync(file, "utf8");
        });
        assert.match(secrets[0], /^[0-9a-f]{64}$/);
        assert.notEqual(secrets[0], secrets[1]);
        assert.deepEqual(readFileSync(calls, "utf8").trim().split("\n"), ["httpfs", "httpfs"]);
    });

    void it("the image's launcher runs HttpFS with its home, config, log and temp dirs", () => {
        const dir = mkdtempSync(join(tmpdir(), "httpfs-launcher-"));
        const java = join(dir, "java");
        writeFileSync(java, '#!/bin/sh\nfor a in "$@"; do echo "$a"; done\n');
        chmodSync(java, 0o755);
        const home = join(dir, "httpfs");
        const res = spawnSync(join(ROOT, "components/platform/hdfs/hdfs"), ["httpfs"], {
            env: {
                PATH: `${dir}:/usr/bin:/bin`,
                HADOOP_HOME: "/opt/hadoop",
                HADOOP_CONF_DIR: "/conf",
                HTTPFS_HOME: home,
                HTTPFS_OPTS: "-Xmx3m",
                HDFS_NAMENODE_OPTS: "-Xmx1m",
            },
            encoding: "utf8",
        });
        assert.equal(res.status, 0, res.stderr);
        const args = res.stdout.trim().split("\n");
        for (const a of [
            "-Xmx3m",
            `-Dhttpfs.home.dir=${home}`,
            "-Dhttpfs.config.dir=/conf",
            "-Dhttpfs.log.dir=/opt/hadoop/logs",
            `-Dhttpfs.temp.dir=${home}/temp`,
        ]) {
            assert.ok(args.includes(a), `${a} in ${args.join(" ")}`);
        }
        assert.ok(!args.includes("-Xmx1m"));
        assert.equal(args.at(-1), "org.apache.hadoop.fs.http.server.HttpFSServerWebServer");
        assert.ok(statSync(join(home, "temp")).isDirectory());
    });
});

void describe("HttpFS pod", () => {
    const container = httpfsContainer("registry.example/hdfs@sha256:abc", {
        cpuRequest: "100m",
        memoryRequest: "384Mi",
        cpuLimit: "500m",
        memoryLimit: "512Mi",
    }) as any;

    void it("passes Pod Security restricted with a read-only root", () => {
        const pod = {
            securityContext: nonRootPod(1000),
            containers: [{ ...container, ports: [{ name: "http", containerPort: 14000 }] }],
            volumes: httpfsVolumes("hdfs-hadoop-conf-x"),
        };
        assert.deepEqual(restrictedViolations(pod), []);
        assert.equal(container.securityContext.readOnlyRootFilesystem, true);
        const writable = container.volumeMounts
            .filter((m: any) => !m.readOnly)
            .map((m: any) => m.mountPath);
        assert.deepEqual(writable, ["/tmp", "/opt/hadoop/logs"]);
    });

    void it("runs as the proxy user, mounts the three site files, and is ready once it reaches the NameNode", () => {
        const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value]));
        assert.equal(env.HADOOP_USER_NAME, HTTPFS_USER);
        assert.equal(env.HTTPFS_HOME, HDFS_LAYOUT.httpfsHome);
        assert.deepEqual(
            container.volumeMounts.filter((m: any) => m.subPath).map((m: any) => m.subPath),
            ["core-site.xml", "hdfs-site.xml", "httpfs-site.xml"],
        );
        assert.equal(container.readinessProbe.httpGet.path, HTTPFS_READY_PATH);
        assert.equal(HTTPFS_READY_PATH, "/webhdfs/v1/?op=GETFILESTATUS&user.name=httpfs");
        assert.ok(container.livenessProbe.tcpSocket);
        assert.deepEqual(httpfsLabels("hdfs"), {
            "app.kubernetes.io/name": "hdfs",
            "app.kubernetes.io/instance": "hdfs",
            "app.kubernetes.io/part-of": "ingest-platform",
            "app.kubernetes.io/managed-by": "pulumi",
            "app.kubernetes.io/component": "httpfs",
        });
    });
});

void describe("httpfsNodePort", () => {
    const problems = (args: { httpfsNodePort?: number; webhdfsNodePort?: number }) =>
        validateHdfsSettings(resolveHdfsSettings({ namespace: "ns", ...args }));

    void it("accepts a NodePort of its own", () => {
        assert.deepEqual(problems({ httpfsNodePort: 30140, webhdfsNodePort: 30870 }), []);
        assert.deepEqual(problems({}), []);
    });

    void it("names the argument when it is outside the range or clashes with WebHDFS's", () => {
        assert.deepEqual(problems({ httpfsNodePort: 14000 }), [
            "httpfsNodePort must be in the NodePort range 30000-32767 (got 14000)",
        ]);
        assert.deepEqual(problems({ httpfsNodePort: 30870, webhdfsNodePort: 30870 }), [
            "httpfsNodePort and webhdfsNodePort must differ (both 30870)",
        ]);
    });
});
