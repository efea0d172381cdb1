import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type * as k8sTypes from "@pulumi/kubernetes";
import type { HdfsArgs } from "../../../components/platform/hdfs";
import { one, ofType, recorded, resolve, settle, setupMocks } from "../../helpers/mocks";

// Kubernetes auto-names the ConfigMap; mimic that so its name can be followed into the pods.
setupMocks({
    outputs: {
        "kubernetes:core/v1:ConfigMap": (inputs) => {
            const meta = inputs.metadata as { labels: Record<string, string> };
            const instance = meta.labels["app.kubernetes.io/instance"];
            return { metadata: { ...meta, name: `${instance}-hadoop-conf-a1b2c3` } };
        },
    },
});

type HdfsModule = typeof import("../../../components/platform/hdfs");
type SiteModule = typeof import("../../../components/platform/hdfs/siteXml");
type WorkloadsModule = typeof import("../../../components/platform/hdfs/workloads");
type SettingsModule = typeof import("../../../components/platform/hdfs/settings");
let hdfs: HdfsModule;
let site: SiteModule;
let workloads: WorkloadsModule;
let settings: SettingsModule;
let k8s: typeof k8sTypes;

before(async () => {
    k8s = await import("@pulumi/kubernetes");
    hdfs = await import("../../../components/platform/hdfs");
    site = await import("../../../components/platform/hdfs/siteXml");
    workloads = await import("../../../components/platform/hdfs/workloads");
    settings = await import("../../../components/platform/hdfs/settings");
});

type StsSpec = k8sTypes.types.output.apps.v1.StatefulSetSpec;
type SvcSpec = k8sTypes.types.output.core.v1.ServiceSpec;
type Meta = k8sTypes.types.output.meta.v1.ObjectMeta;

const sts = (name: string) => one(STS, name).inputs.spec as StsSpec;
const svc = (name: string) => one(SVC, name).inputs.spec as SvcSpec;
const siteData = (name: string) => one(CM, name).inputs.data as Record<string, string>;

const STS = "kubernetes:apps/v1:StatefulSet";
const SVC = "kubernetes:core/v1:Service";
const CM = "kubernetes:core/v1:ConfigMap";

function childrenOf(prefix: string): string[] {
    return recorded
        .filter((r) => r.name.startsWith(`${prefix}-`) || r.name === prefix)
        .map((r) => `${r.type} ${r.name}`)
        .sort();
}

const parents = new Map<string, pulumi.Resource | undefined>();

async function deploy(name: string, args: Partial<HdfsArgs> = {}) {
    const provider = new k8s.Provider(`${name}-k8s`, {});
    // A component's transformations run for the component and for every resource parented to it.
    const record: pulumi.ResourceTransformation = (t) => {
        parents.set(`${t.type} ${t.name}`, t.opts.parent);
        return undefined;
    };
    const component = new hdfs.Hdfs(
        name,
        { namespace: "data", ...args },
        { providers: [provider], transformations: [record] },
    );
    await settle();
    return component;
}

function props(xml: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const m of xml.matchAll(/<name>([^<]*)<\/name>\s*<value>([^<]*)<\/value>/g))
        out[m[1]] = m[2];
    return out;
}

void describe("Hdfs component", () => {
    void it("creates exactly a ConfigMap, four Services, two StatefulSets and the HttpFS Deployment by default", async () => {
        await deploy("hd");
        assert.deepEqual(childrenOf("hd"), [
            "docker:index/image:Image hd-image",
            "ingest:components:Hdfs hd",
            "kubernetes:apps/v1:Deployment hd-httpfs",
            `${STS} hd-datanode`,
            `${STS} hd-namenode`,
            `${CM} hd-hadoop-conf`,
            `${SVC} hd-datanode-headless`,
            `${SVC} hd-httpfs`,
            `${SVC} hd-namenode`,
            `${SVC} hd-namenode-headless`,
            "kubernetes:core/v1:ServiceAccount hd-datanode",
            "kubernetes:core/v1:ServiceAccount hd-httpfs",
            "kubernetes:core/v1:ServiceAccount hd-namenode",
            "kubernetes:policy/v1:PodDisruptionBudget hd-datanode",
            "pulumi:providers:kubernetes hd-k8s",
        ]);
    });

    void it("parents every child to the component and passes it the Kubernetes provider from opts", async () => {
        const component = await deploy("prov");
        const children = recorded.filter(
            (r) => r.name.startsWith("prov-") && r.type.startsWith("kubernetes:"),
        );
        assert.equal(children.length, 12);
        for (const c of children) {
            assert.match(c.provider ?? "", /::prov-k8s::/, c.name);
            assert.equal(parents.get(`${c.type} ${c.name}`), component, c.name);
        }
    });

    void it("runs one NameNode with a format guard and a retained metadata PVC", async () => {
        await deploy("nn");
        const spec = sts("nn-namenode");
        assert.equal(spec.replicas, 1);
        assert.equal(spec.serviceName, "nn-namenode-headless");
        assert.deepEqual(spec.persistentVolumeClaimRetentionPolicy, {
            whenDeleted: "Retain",
            whenScaled: "Retain",
        });
        assert.deepEqual(spec.volumeClaimTemplates[0].spec.resources, {
            requests: { storage: "2Gi" },
        });
        const container = spec.template.spec.containers[0];
        // No image named: the one built from components/platform/hdfs/Dockerfile (not pushed).
        assert.equal(container.image, "ingest.local/hdfs:3.4.1");
        assert.deepEqual(container.command.slice(0, 2), ["/bin/bash", "-c"]);
        assert.equal(container.command[2], workloads.namenodeStartScript("CID-nn"));
        assert.match(
            container.command[2],
            /if \[ -f "\/hadoop\/dfs\/name\/nn\/current\/VERSION" \]/,
        );
        assert.deepEqual(spec.template.spec.securityContext, {
            runAsNonRoot: true,
            runAsUser: 1000,
            runAsGroup: 1000,
            fsGroup: 1000,
            seccompProfile: { type: "RuntimeDefault" },
        });
        assert.equal(spec.template.spec.serviceAccountName, "nn-namenode");
        assert.equal(spec.template.spec.automountServiceAccountToken, false);
        assert.equal(container.securityContext.readOnlyRootFilesystem, true);
        assert.deepEqual(container.livenessProbe.tcpSocket, { port: "http" });
        assert.deepEqual(
            container.ports.map((p) => [p.name, p.containerPort]),
            [
                ["rpc", 9000],
                ["http", 9870],
            ],
        );
        assert.equal(container.readinessProbe.httpGet.port, "http");
        assert.match(container.readinessProbe.httpGet.path, /^\/jmx\?qry=Hadoop:service=NameNode/);
        assert.deepEqual(container.resources, {
            requests: { cpu: "250m", memory: "768Mi", "ephemeral-storage": "256Mi" },
            limits: { cpu: "1", memory: "1Gi", "ephemeral-storage": "2Gi" },
        });
        assert.deepEqual(spec.template.spec.volumes, [
            { name: "hadoop-conf", configMap: { name: "nn-hadoop-conf-a1b2c3" } },
            { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
            { name: "logs", emptyDir: { sizeLimit: "512Mi" } },
        ]);
        assert.deepEqual(
            container.volumeMounts.map((m) => [m.mountPath, m.subPath]),
            [
                ["/hadoop/dfs/name", undefined],
                ["/opt/hadoop/etc/hadoop/core-site.xml", "core-site.xml"],
                ["/opt/hadoop/etc/hadoop/hdfs-site.xml", "hdfs-site.xml"],
                ["/tmp", undefined],
                ["/opt/hadoop/logs", undefined],
            ],
        );
    });

    void it("runs N DataNodes in parallel with their own retained PVCs", async () => {
        await deploy("dn", { datanodes: 4, datanodeStorage: "50Gi", storageClass: "fast" });
        const spec = sts("dn-datanode");
        assert.equal(spec.replicas, 4);
        assert.equal(spec.podManagementPolicy, "Parallel");
        assert.equal(spec.serviceName, "dn-datanode-headless");
        assert.deepEqual(spec.volumeClaimTemplates[0].spec, {
            accessModes: ["ReadWriteOnce"],
            storageClassName: "fast",
            resources: { requests: { storage: "50Gi" } },
        });
        const container = spec.template.spec.containers[0];
        assert.deepEqual(container.command, ["/opt/hadoop/bin/hdfs", "datanode"]);
        assert.equal(container.readinessProbe.httpGet.port, "http");
        assert.deepEqual(
            container.ports.map((p) => p.containerPort),
            [9866, 9864, 9867],
        );
        const required =
            spec.template.spec.affinity.podAntiAffinity
                .requiredDuringSchedulingIgnoredDuringExecution;
        assert.equal(required.length, 1);
        assert.equal(required[0].topologyKey, "kubernetes.io/hostname");
        assert.equal(
            required[0].labelSelector.matchLabels["app.kubernetes.io/component"],
            "datanode",
        );
        assert.equal(
            spec.template.spec.topologySpreadConstraints[0].topologyKey,
            "topology.kubernetes.io/zone",
        );
        const pdb = one("kubernetes:policy/v1:PodDisruptionBudget", "dn-datanode").inputs
            .spec as any;
        assert.equal(pdb.maxUnavailable, 1);
        assert.deepEqual(pdb.selector.matchLabels, spec.selector.matchLabels);
    });

    void it("writes replication min(3, datanodes) and the namespace-qualified defaultFS into the ConfigMap", async () => {
        await deploy("cfg", { datanodes: 5 });
        const data = siteData("cfg-hadoop-conf");
        assert.equal(props(data["hdfs-site.xml"])["dfs.replication"], "3");
        assert.equal(props(data["hdfs-site.xml"])["dfs.webhdfs.enabled"], "true");
        assert.equal(
            props(data["core-site.xml"])["fs.defaultFS"],
            "hdfs://cfg-namenode.data.svc.cluster.local:9000",
        );
    });

    void it("applies the retention policy and replication overrides to both StatefulSets", async () => {
        await deploy("ret", {
            pvcRetention: { whenDeleted: "Delete" },
            replication: 1,
            rpcPort: 8020,
        });
        for (const name of ["ret-namenode", "ret-datanode"]) {
            assert.deepEqual(sts(name).persistentVolumeClaimRetentionPolicy, {
                whenDeleted: "Delete",
                whenScaled: "Retain",
            });
        }
        const data = siteData("ret-hadoop-conf");
        assert.equal(props(data["hdfs-site.xml"])["dfs.replication"], "1");
        const ports = svc("ret-namenode").ports;
        assert.deepEqual(ports[0], { name: "rpc", port: 8020, targetPort: "rpc" });
    });

    void it("exposes WebHDFS on a NodePort only when asked, with a host URL", async () => {
        const without = await deploy("nop");
        assert.equal(without.hostWebhdfsUrl, undefined);
        assert.equal(ofType(SVC).filter((r) => r.name === "nop-webhdfs").length, 0);

        const withPort = await deploy("np", { webhdfsNodePort: 30870 });
        const nodePort = svc("np-webhdfs");
        assert.equal(nodePort.type, "NodePort");
        assert.deepEqual(nodePort.ports, [
            { name: "http", port: 9870, targetPort: "http", nodePort: 30870 },
        ]);
        assert.equal(nodePort.selector["app.kubernetes.io/component"], "namenode");
        assert.equal(await resolve(withPort.hostWebhdfsUrl!), "http://localhost:30870/webhdfs/v1");
    });

    void it("outputs in-cluster RPC and WebHDFS URLs and the ConfigMap name", async () => {
        const c = await deploy("out");
        assert.equal(await resolve(c.rpcUrl), "hdfs://out-namenode.data.svc.cluster.local:9000");
        assert.equal(
            await resolve(c.webhdfsUrl),
            "http://out-namenode.data.svc.cluster.local:9870/webhdfs/v1",
        );
        assert.equal(await resolve(c.configMapName), "out-hadoop-conf-a1b2c3");
        assert.equal((one(CM, "out-hadoop-conf").inputs.metadata as Meta).name, undefined);
    });

    void it("makes both Services headless for the StatefulSets and a ClusterIP for clients", async () => {
        await deploy("svc");
        assert.equal(svc("svc-namenode").clusterIP, undefined);
        assert.equal(svc("svc-namenode-headless").clusterIP, "None");
        const dn = svc("svc-datanode-headless");
        assert.equal(dn.clusterIP, "None");
        assert.deepEqual(
            dn.ports.map((p) => p.port),
            [9866, 9864, 9867],
        );
        assert.equal((one(SVC, "svc-namenode").inputs.metadata as Meta).namespace, "data");
    });

    void it("rejects invalid arguments with every problem listed", () => {
        assert.throws(
            () =>
                new hdfs.Hdfs("bad", {
                    namespace: "data",
                    datanodes: 2,
                    replication: 3,
                    rpcPort: 70000,
                    webhdfsNodePort: 8080,
                    namenodeStorage: "lots",
                }),
            (err: Error) => {
                assert.equal(
                    err.message.split("\n").slice(0, 5).join("\n"),
                    [
                        'invalid Hdfs "bad" arguments:',
                        "  - replication must be an integer from 1 to datanodes (2); more copies than DataNodes leaves every block under-replicated (got 3)",
                        "  - rpcPort must be a port number from 1 to 65535 (got 70000)",
                        "  - webhdfsNodePort must be in the NodePort range 30000-32767 (got 8080)",
                        '  - namenodeStorage must be a Kubernetes quantity such as "10Gi" (got "lots")',
                    ].join("\n"),
                );
                return true;
            },
        );
    });
});

void describe("validateHdfsSettings", () => {
    const cases: [string, Partial<HdfsArgs>, string[]][] = [
        ["defaults", {}, []],
        [
            "zero datanodes",
            { datanodes: 0 },
            ["datanodes must be an integer from 1 to 1000 (got 0)"],
        ],
        [
            "fractional datanodes",
            { datanodes: 1.5 },
            ["datanodes must be an integer from 1 to 1000 (got 1.5)"],
        ],
        ["one datanode gets replication 1", { datanodes: 1 }, []],
        [
            "bad retention",
            { pvcRetention: { whenScaled: "Keep" as "Retain" } },
            ['pvcRetention.whenScaled must be "Retain" or "Delete" (got "Keep")'],
        ],
        [
            "bad super group",
            { superGroup: "super group" },
            ['superGroup must be a plain group name such as "supergroup" (got "super group")'],
        ],
        [
            "a moved metadata dir",
            { hdfsSiteOverrides: { "dfs.namenode.name.dir": "file:///elsewhere" } },
            [
                "hdfsSiteOverrides must not set dfs.namenode.name.dir: it is tied to the volume mount",
            ],
        ],
        [
            "bad datanode storage",
            { datanodeStorage: "10 GB" },
            ['datanodeStorage must be a Kubernetes quantity such as "10Gi" (got "10 GB")'],
        ],
    ];
    for (const [label, args, expected] of cases) {
        void it(`reports ${label}`, () => {
            const s = settings.resolveHdfsSettings({ namespace: "x", ...args });
            assert.deepEqual(settings.validateHdfsSettings(s), expected);
        });
    }
});

void describe("site XML builders", () => {
    const base = { namenodeHost: "nn.ns.svc.cluster.local", rpcPort: 9000 };
    const replicationCases: [number, number | undefined, string][] = [
        [1, undefined, "1"],
        [2, undefined, "2"],
        [3, undefined, "3"],
        [7, undefined, "3"],
        [7, 5, "5"],
    ];
    for (const [datanodes, replication, expected] of replicationCases) {
        void it(`sets dfs.replication=${expected} for ${datanodes} datanodes and override ${replication}`, () => {
            const xml = site.hdfsSiteXml({ ...base, datanodes, replication });
            assert.equal(props(xml)["dfs.replication"], expected);
        });
    }

    void it("generates the full hdfs-site.xml property set in order", () => {
        assert.deepEqual(Object.entries(props(site.hdfsSiteXml({ ...base, datanodes: 2 }))), [
            ["dfs.replication", "2"],
            ["dfs.namenode.name.dir", "file:///hadoop/dfs/name/nn"],
            ["dfs.datanode.data.dir", "file:///hadoop/dfs/data/dn"],
            ["dfs.webhdfs.enabled", "true"],
            ["dfs.permissions.enabled", "true"],
            ["dfs.permissions.superusergroup", "supergroup"],
            ["dfs.namenode.rpc-bind-host", "0.0.0.0"],
            ["dfs.namenode.servicerpc-bind-host", "0.0.0.0"],
            ["dfs.namenode.http-bind-host", "0.0.0.0"],
            ["dfs.namenode.http-address", "0.0.0.0:9870"],
            ["dfs.datanode.address", "0.0.0.0:9866"],
            ["dfs.datanode.http.address", "0.0.0.0:9864"],
            ["dfs.datanode.ipc.address", "0.0.0.0:9867"],
            ["dfs.namenode.datanode.registration.ip-hostname-check", "false"],
        ]);
    });

    void it("lets overrides replace generated properties and add new ones", () => {
        const p = props(
            site.hdfsSiteXml({
                ...base,
                datanodes: 2,
                permissionsEnabled: false,
                superGroup: "hadoop",
                hdfsSiteOverrides: { "dfs.replication": "1", "dfs.blocksize": "64m" },
            }),
        );
        assert.equal(p["dfs.replication"], "1");
        assert.equal(p["dfs.blocksize"], "64m");
        assert.equal(p["dfs.permissions.enabled"], "false");
        assert.equal(p["dfs.permissions.superusergroup"], "hadoop");
    });

    void it("writes core-site.xml with fs.defaultFS and overrides", () => {
        assert.equal(
            site.coreSiteXml({
                ...base,
                datanodes: 1,
                coreSiteOverrides: { "hadoop.http.staticuser.user": "hdfs" },
            }),
            [
                '<?xml version="1.0" encoding="UTF-8"?>',
                "<configuration>",
                "    <property>",
                "        <name>fs.defaultFS</name>",
                "        <value>hdfs://nn.ns.svc.cluster.local:9000</value>",
                "    </property>",
                "    <property>",
                "        <name>hadoop.http.staticuser.user</name>",
                "        <value>hdfs</value>",
                "    </property>",
                "</configuration>",
                "",
            ].join("\n"),
        );
    });

    const escapes: [string, string][] = [
        ["plain", "plain"],
        ["a&b", "a&amp;b"],
        ["<x>", "&lt;x&gt;"],
        [`"q" 'a'`, "&quot;q&quot; &apos;a&apos;"],
    ];
    for (const [raw, escaped] of escapes) {
        void it(`escapes ${JSON.stringify(raw)} in names and values`, () => {
            const xml = site.hadoopConfigurationXml({ [raw]: raw });
            assert.ok(xml.includes(`<name>${escaped}</name>`));
            assert.ok(xml.includes(`<value>${escaped}</value>`));
        });
    }
});

void describe("namenodeStartScript", () => {
    function runScript(prepare: (nameDir: string) => void) {
        const dir = mkdtempSync(join(tmpdir(), "hdfs-start-"));
        const nameDir = join(dir, "nn");
        const calls = join(dir, "calls");
        const fakeHdfs = join(dir, "hdfs");
        writeFileSync(fakeHdfs, `#!/bin/sh\necho "$@" >> "${calls}"\n`);
        chmodSync(fakeHdfs, 0o755);
        prepare(nameDir);
        const res = spawnSync("/bin/bash", [
            "-c",
            workloads.namenodeStartScript("CID-test", { nameDir, hdfsBin: fakeHdfs }),
        ]);
        assert.equal(res.status, 0, res.stderr.toString());
        return readFileSync(calls, "utf8").trim().split("\n");
    }

    void it("formats an empty metadata dir, then starts the NameNode", () => {
        assert.deepEqual(
            runScript(() => undefined),
            ["namenode -format -nonInteractive -clusterId CID-test", "namenode"],
        );
    });

    void it("never formats when current/VERSION exists", () => {
        const calls = runScript((nameDir) => {
            mkdirSync(join(nameDir, "current"), { recursive: true });
            writeFileSync(join(nameDir, "current", "VERSION"), "namespaceID=1\n");
        });
        assert.deepEqual(calls, ["namenode"]);
    });
});

void describe("HDFS image", () => {
    const IMAGE = "docker:index/image:Image";

    void it("is built from the component's Dockerfile by default, not pulled from Docker Hub", async () => {
        await deploy("built");
        const image = one(IMAGE, "built-image").inputs as {
            imageName: string;
            skipPush: boolean;
            build: { context: string };
        };
        assert.equal(image.imageName, "ingest.local/hdfs:3.4.1");
        assert.equal(image.skipPush, true);
        assert.equal(image.build.context, join(__dirname, "../../../components/platform/hdfs"));
        for (const role of ["namenode", "datanode"]) {
            const c = sts(`built-${role}`).template.spec.containers[0];
            assert.equal(c.image, "ingest.local/hdfs:3.4.1", role);
        }
    });

    void it("pushes to the build registry when one is configured", async () => {
        await deploy("pushed", { buildRegistry: "ghcr.io/acme" });
        const image = one(IMAGE, "pushed-image").inputs;
        assert.equal(image.imageName, "ghcr.io/acme/hdfs:3.4.1");
        assert.equal(image.skipPush, false);
    });

    void it("runs a named image without building anything", async () => {
        await deploy("named", {
            image: { registry: "registry.example.com", repository: "ingest/hdfs", tag: "3.4.1-1" },
        });
        assert.equal(ofType(IMAGE).filter((r) => r.name.startsWith("named-")).length, 0);
        assert.equal(
            sts("named-namenode").template.spec.containers[0].image,
            "registry.example.com/ingest/hdfs:3.4.1-1",
        );
    });

    const read = (file: string) => readFileSync(join(__dirname, "../../..", file), "utf8");
    const dependencies = (file: string) =>
        /^ {4}<properties>[\s\S]*^ {4}<\/dependencies>/m.exec(read(file))?.[0];

    void it("ships exactly the jars the real-service tests run", () => {
        const image = dependencies("components/platform/hdfs/pom.xml");
        assert.ok(image?.includes("<hadoop.version>3.4.1</hadoop.version>"));
        assert.equal(dependencies("scripts/services/maven/hadoop/pom.xml"), image);
    });

    void it("pins its base images and keeps the layout and uid the pods expect", () => {
        const dockerfile = read("components/platform/hdfs/Dockerfile");
        assert.match(dockerfile, /^ARG JRE_IMAGE=eclipse-temurin:[0-9._]+-jre-jammy$/m);
        assert.match(dockerfile, /^ARG MAVEN_IMAGE=maven:[0-9.]+-eclipse-temurin-17$/m);
        assert.match(dockerfile, /^USER 1000:1000$/m);
        assert.match(dockerfile, /^COPY hdfs \/opt\/hadoop\/bin\/hdfs$/m);
        assert.doesNotMatch(dockerfile, /^(FROM|ARG) .*apache\/hadoop/m);
        assert.doesNotMatch(dockerfile, /:latest\b|--chmod/);
    });

    void it("launches the daemons the pods run, with their own JVM options", () => {
        const dir = mkdtempSync(join(tmpdir(), "hdfs-launcher-"));
        const java = join(dir, "java");
        writeFileSync(java, '#!/bin/sh\nfor a in "$@"; do echo "$a"; done\n');
        chmodSync(java, 0o755);
        const launch = (...args: string[]) =>
            spawnSync(join(__dirname, "../../../components/platform/hdfs/hdfs"), args, {
                env: {
                    PATH: `${dir}:/usr/bin:/bin`,
                    HADOOP_HOME: "/opt/hadoop",
                    HADOOP_CONF_DIR: "/conf",
                    HDFS_NAMENODE_OPTS: "-Xmx1m",
                    HDFS_DATANODE_OPTS: "-Xmx2m",
                },
                encoding: "utf8",
            });
        const nn = launch("namenode", "-format", "-nonInteractive", "-clusterId", "CID-x");
        assert.equal(nn.status, 0, nn.stderr);
        const nnArgs = nn.stdout.trim().split("\n");
        assert.ok(nnArgs.includes("-Xmx1m"));
        assert.ok(
            nnArgs.includes("/conf:/opt/hadoop/share/hadoop/web:/opt/hadoop/share/hadoop/lib/*"),
        );
        assert.deepEqual(nnArgs.slice(-5), [
            "org.apache.hadoop.hdfs.server.namenode.NameNode",
            "-format",
            "-nonInteractive",
            "-clusterId",
            "CID-x",
        ]);
        const dn = launch("datanode").stdout.trim().split("\n");
        assert.ok(dn.includes("-Xmx2m") && !dn.includes("-Xmx1m"));
        assert.equal(dn.at(-1), "org.apache.hadoop.hdfs.server.datanode.DataNode");
        const bad = launch("balancer");
        assert.equal(bad.status, 2);
        assert.match(bad.stderr, /usage: hdfs namenode\|datanode/);
    });
});
