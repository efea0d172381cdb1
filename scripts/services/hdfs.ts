import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import axios from "axios";
import type { ServiceDirs } from "./kafka";
import { assertAlive, javaExecutable, javaSpec, launch, BASE_JVM_FLAGS } from "./process";
import type { RunningProcess } from "./process";
import { freePort, runCommand, waitFor } from "./util";

/** HDFS superuser: the NameNode runs under this name (simple auth takes `HADOOP_USER_NAME`). */
export const HDFS_SUPERUSER = "hdfs";

/**
 * The user HttpFS runs as: the NameNode lets it act for the user each request names
 * (`hadoop.proxyuser.httpfs.*` in core-site.xml), as the HDFS component configures it.
 */
export const HTTPFS_USER = "httpfs";

/** HttpFS's main class in Hadoop 3.4 (an embedded Jetty; the Tomcat launcher is gone). */
export const HTTPFS_MAIN_CLASS = "org.apache.hadoop.fs.http.server.HttpFSServerWebServer";

/** A started NameNode and DataNode, and the HttpFS gateway beside them. */
export interface HdfsService {
    /** The NameNode process. */
    readonly namenode: RunningProcess;
    /** The DataNode process. */
    readonly datanode: RunningProcess;
    /** The HttpFS process. */
    readonly httpfs: RunningProcess;
    /** `http://127.0.0.1:<port>` of HttpFS (the WebHDFS REST API under `/webhdfs/v1`). */
    readonly httpfsUrl: string;
    /** `http://127.0.0.1:<port>` of the NameNode web server (WebHDFS under `/webhdfs/v1`). */
    readonly webhdfsUrl: string;
    /** `hdfs://127.0.0.1:<port>` of the NameNode RPC server. */
    readonly hdfsUrl: string;
}

/** Ports of a single-node HDFS. */
export interface HdfsPorts {
    readonly rpc: number;
    readonly namenodeHttp: number;
    readonly datanodeData: number;
    readonly datanodeHttp: number;
    readonly datanodeIpc: number;
    readonly httpfs: number;
}

/** A Hadoop configuration file with the given properties. */
export function hadoopXml(props: Readonly<Record<string, string | number | boolean>>): string {
    const escape = (s: string): string =>
        s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    const body = Object.entries(props)
        .map(
            ([k, v]) =>
                `  <property><name>${escape(k)}</name><value>${escape(String(v))}</value></property>`,
        )
        .join("\n");
    return `<?xml version="1.0"?>\n<configuration>\n${body}\n</configuration>\n`;
}

/** `core-site.xml` properties. */
export function coreSite(ports: HdfsPorts, tmpDir: string): Record<string, string> {
    return {
        "fs.defaultFS": `hdfs://127.0.0.1:${ports.rpc}`,
        "hadoop.security.authentication": "simple",
        "hadoop.tmp.dir": tmpDir,
        // HttpFS connects from loopback as `httpfs` and acts for the user each request names.
        [`hadoop.proxyuser.${HTTPFS_USER}.hosts`]: "127.0.0.1",
        [`hadoop.proxyuser.${HTTPFS_USER}.groups`]: "*",
    };
}

/** `httpfs-site.xml` properties: listen on loopback only, on the given port. */
export function httpfsSite(port: number): Record<string, string> {
    return {
        "httpfs.http.hostname": "127.0.0.1",
        "httpfs.http.port": String(port),
    };
}

/** `hdfs-site.xml` properties: every listener on 127.0.0.1, one replica, permissions on. */
export function hdfsSite(
    ports: HdfsPorts,
    dataDir: string,
): Record<string, string | number | boolean> {
    return {
        "dfs.namenode.name.dir": join(dataDir, "name"),
        "dfs.datanode.data.dir": join(dataDir, "data"),
        "dfs.replication": 1,
        "dfs.permissions.enabled": true,
        "dfs.webhdfs.enabled": true,
        "dfs.namenode.rpc-address": `127.0.0.1:${ports.rpc}`,
        "dfs.namenode.http-address": `127.0.0.1:${ports.namenodeHttp}`,
        "dfs.datanode.address": `127.0.0.1:${ports.datanodeData}`,
        "dfs.datanode.http.address": `127.0.0.1:${ports.datanodeHttp}`,
        "dfs.datanode.ipc.address": `127.0.0.1:${ports.datanodeIpc}`,
        // WebHDFS redirects and RPC clients must reach the DataNode on loopback.
        "dfs.datanode.hostname": "127.0.0.1",
        "dfs.client.use.datanode.hostname": true,
        "dfs.namenode.datanode.registration.ip-hostname-check": false,
        // Leave safe mode and register the DataNode as fast as possible.
        "dfs.namenode.safemode.extension": 0,
        "dfs.heartbeat.interval": 1,
        "dfs.blockreport.initialDelay": 0,
    };
}

const LOG4J_PROPERTIES = [
    "log4j.rootLogger=INFO,console",
    "log4j.appender.console=org.apache.log4j.ConsoleAppender",
    "log4j.appender.console.target=System.out",
    "log4j.appender.console.layout=org.apache.log4j.PatternLayout",
    "log4j.appender.console.layout.ConversionPattern=%d{ISO8601} %p %c{2}: %m%n",
    "log4j.logger.org.apache.hadoop.util.NativeCodeLoader=ERROR",
    "",
].join("\n");

/** JVM flags Hadoop 3.4 needs on Java 17 (reflective access into java.base). */
export const HADOOP_JAVA17_FLAGS: readonly string[] = [
    "java.lang",
    "java.lang.reflect",
    "java.io",
    "java.net",
    "java.nio",
    "java.util",
    "java.util.concurrent",
    "sun.nio.ch",
    "sun.net.dns",
    "sun.net.util",
].map((pkg) => `--add-opens=java.base/${pkg}=ALL-UNNAMED`);

async function writeProbe(webhdfsUrl: string): Promise<boolean> {
    const http = axios.create({ timeout: 5_000, validateStatus: () => true, maxRedirects: 0 });
    const path = `${webhdfsUrl}/webhdfs/v1/.services-probe?user.name=${HDFS_SUPERUSER}`;
    const create = await http.put(`${path}&op=CREATE&overwrite=true`);
    const location = create.headers.location as string | undefined;
    if (create.status !== 307 || !location) {
        throw new Error(`CREATE step 1 returned ${create.status}: ${JSON.stringify(create.data)}`);
    }
    const write = await http.put(location, "probe", {
        headers: { "Content-Type": "application/octet-stream" },
    });
    if (write.status !== 201) {
        throw new Error(
            `CREATE on the DataNode returned ${write.status}: ${JSON.stringify(write.data)}`,
        );
    }
    await http.delete(`${path}&op=DELETE`);
    return true;
}

/** Formats a NameNode, starts it and one DataNode, and waits until a file can be written. */
export async function startHdfs(
    dirs: ServiceDirs,
    classpath: string,
    timeoutMs = 180_000,
): Promise<HdfsService> {
    const ports: HdfsPorts = {
        rpc: await freePort(),
        namenodeHttp: await freePort(),
        datanodeData: await freePort(),
        datanodeHttp: await freePort(),
        datanodeIpc: await freePort(),
        httpfs: await freePort(),
    };
    const confDir = join(dirs.dir, "conf");
    mkdirSync(confDir, { recursive: true });
    writeFileSync(
        join(confDir, "core-site.xml"),
        hadoopXml(coreSite(ports, join(dirs.dir, "tmp"))),
    );
    writeFileSync(join(confDir, "hdfs-site.xml"), hadoopXml(hdfsSite(ports, dirs.dir)));
    writeFileSync(join(confDir, "log4j.properties"), LOG4J_PROPERTIES);
    writeFileSync(join(confDir, "httpfs-site.xml"), hadoopXml(httpfsSite(ports.httpfs)));
    // Signs HttpFS's auth cookies; random per start, never in the repository or the state file.
    writeFileSync(join(confDir, "httpfs-signature.secret"), randomBytes(32).toString("hex"), {
        mode: 0o600,
    });
    // HttpServer2 looks up webapps/<name> on the classpath; Maven Central's hadoop-hdfs jar does
    // not ship the web UI, and WebHDFS and /jmx are servlets that need no files, so empty
    // directories do.
    for (const app of ["hdfs", "datanode"])
        mkdirSync(join(confDir, "webapps", app), { recursive: true });

    // The configuration directory comes first so that its *-site.xml files win.
    const cp = `${confDir}:${classpath}`;
    const jvm = (heap: string): string[] => [
        ...HADOOP_JAVA17_FLAGS,
        heap,
        `-Dlog4j.configuration=file:${join(confDir, "log4j.properties")}`,
        `-Dhadoop.log.dir=${dirs.logsDir}`,
    ];
    const env = { HADOOP_USER_NAME: HDFS_SUPERUSER };

    const format = await runCommand(
        javaExecutable(),
        [
            ...BASE_JVM_FLAGS,
            ...jvm("-Xmx256m"),
            "-cp",
            cp,
            "org.apache.hadoop.hdfs.server.namenode.NameNode",
            "-format",
            "-force",
            "-nonInteractive",
        ],
        { env: { ...process.env, ...env } },
    );
    if (format.code !== 0) {
        throw new Error(
            `hdfs: namenode -format failed (${format.code}):\n${format.stdout}${format.stderr}`,
        );
    }

    const namenode = launch(
        javaSpec({
            name: "namenode",
            classpath: cp,
            mainClass: "org.apache.hadoop.hdfs.server.namenode.NameNode",
            jvmArgs: jvm("-Xmx512m"),
            env,
            logFile: join(dirs.logsDir, "namenode.log"),
        }),
    );
    const datanode = launch(
        javaSpec({
            name: "datanode",
            classpath: cp,
            mainClass: "org.apache.hadoop.hdfs.server.datanode.DataNode",
            jvmArgs: jvm("-Xmx384m"),
            env,
            logFile: join(dirs.logsDir, "datanode.log"),
        }),
    );

    const httpfsHome = join(dirs.dir, "httpfs");
    mkdirSync(join(httpfsHome, "temp"), { recursive: true });
    const httpfs = launch(
        javaSpec({
            name: "httpfs",
            classpath: cp,
            mainClass: HTTPFS_MAIN_CLASS,
            jvmArgs: [
                ...jvm("-Xmx256m"),
                // What Hadoop's `hdfs httpfs` launcher sets: home, config (also the Hadoop client
                // config it reads core-site/hdfs-site from), logs and temp directories.
                `-Dhttpfs.home.dir=${httpfsHome}`,
                `-Dhttpfs.config.dir=${confDir}`,
                `-Dhttpfs.log.dir=${dirs.logsDir}`,
                `-Dhttpfs.temp.dir=${join(httpfsHome, "temp")}`,
            ],
            env: { HADOOP_USER_NAME: HTTPFS_USER },
            logFile: join(dirs.logsDir, "httpfs.log"),
        }),
    );

    const webhdfsUrl = `http://127.0.0.1:${ports.namenodeHttp}`;
    const httpfsUrl = `http://127.0.0.1:${ports.httpfs}`;
    const alive = (): void => {
        assertAlive(namenode);
        assertAlive(datanode);
        assertAlive(httpfs);
    };
    const deadline = Date.now() + timeoutMs;
    const http = axios.create({ baseURL: webhdfsUrl, timeout: 5_000, validateStatus: () => true });
    await waitFor(
        { service: "hdfs", what: "WebHDFS GETFILESTATUS / = 200", timeoutMs, alive },
        async () => {
            const res = await http.get(`/webhdfs/v1/?op=GETFILESTATUS&user.name=${HDFS_SUPERUSER}`);
            return res.status === 200 ? true : undefined;
        },
    );
    await waitFor(
        {
            service: "hdfs",
            what: "a live DataNode and safe mode off (NameNode /jmx)",
            timeoutMs: Math.max(deadline - Date.now(), 1_000),
            alive,
        },
        async () => {
            const res = await http.get<{ beans: Record<string, unknown>[] }>(
                "/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState",
            );
            const state = res.data.beans?.[0];
            if (!state) throw new Error(`/jmx returned ${res.status} without FSNamesystemState`);
            if (Number(state.NumLiveDataNodes) < 1) throw new Error("no live DataNode yet");
            if (state.FSState !== "Operational")
                throw new Error(`FSState is ${String(state.FSState)}`);
            return true;
        },
    );
    await waitFor(
        {
            service: "hdfs",
            what: "a WebHDFS CREATE through the DataNode redirect",
            timeoutMs: Math.max(deadline - Date.now(), 1_000),
            alive,
        },
        () => writeProbe(webhdfsUrl),
    );
    await waitFor(
        {
            service: "hdfs",
            what: "HttpFS GETFILESTATUS / = 200 (proxied to the NameNode)",
            timeoutMs: Math.max(deadline - Date.now(), 1_000),
            alive,
        },
        async () => {
            const res = await axios.get(
                `${httpfsUrl}/webhdfs/v1/?op=GETFILESTATUS&user.name=${HDFS_SUPERUSER}`,
                { timeout: 5_000, validateStatus: () => true },
            );
            if (res.status !== 200) {
                throw new Error(`HttpFS answered ${res.status}: ${JSON.stringify(res.data)}`);
            }
            return true;
        },
    );
    return {
        namenode,
        datanode,
        httpfs,
        httpfsUrl,
        webhdfsUrl,
        hdfsUrl: `hdfs://127.0.0.1:${ports.rpc}`,
    };
}
