/**
 * Hadoop `core-site.xml` and `hdfs-site.xml` for the {@link Hdfs} component, generated from plain
 * values so tests can assert them and other workloads (Connect, Flume, Sqoop) can mount them.
 */

/** Fixed in-container ports and paths shared by the config and the pod specs. */
export const HDFS_LAYOUT = {
    /** NameNode web UI and WebHDFS. */
    namenodeHttpPort: 9870,
    /** DataNode block transfer (clients and other DataNodes connect here). */
    datanodeDataPort: 9866,
    /** DataNode web UI (also serves WebHDFS reads/writes after a redirect). */
    datanodeHttpPort: 9864,
    /** DataNode IPC. */
    datanodeIpcPort: 9867,
    /** HttpFS gateway (Hadoop's default `httpfs.http.port`). */
    httpfsPort: 14000,
    /** HttpFS home, temp dir and cookie-signing secret: under the pod's writable /tmp. */
    httpfsHome: "/tmp/httpfs",
    /** Where the NameNode PVC is mounted. */
    nameMount: "/hadoop/dfs/name",
    /** NameNode metadata dir: a subdirectory, so a fresh volume's `lost+found` never blocks a format. */
    nameDir: "/hadoop/dfs/name/nn",
    /** Where each DataNode PVC is mounted. */
    dataMount: "/hadoop/dfs/data",
    /** DataNode block dir, a subdirectory for the same reason as `nameDir`. */
    dataDir: "/hadoop/dfs/data/dn",
} as const;

/**
 * The user the HttpFS gateway runs as (`HADOOP_USER_NAME`). The NameNode lets it act for the user
 * each request names through `hadoop.proxyuser.httpfs.*`, which is what makes it a gateway.
 */
export const HTTPFS_USER = "httpfs";

/** Plain inputs of {@link coreSiteXml} and {@link hdfsSiteXml}. */
export interface HadoopSiteArgs {
    /** DNS name clients use for the NameNode RPC endpoint (the client Service FQDN). */
    readonly namenodeHost: string;
    /** NameNode RPC port. */
    readonly rpcPort: number;
    /** Number of DataNodes; bounds the default replication. */
    readonly datanodes: number;
    /** Block replication. Defaults to `min(3, datanodes)`. */
    readonly replication?: number;
    /** HDFS permission checking. Defaults to `true`. */
    readonly permissionsEnabled?: boolean;
    /** Group whose members are HDFS superusers. Defaults to `"supergroup"`. */
    readonly superGroup?: string;
    /**
     * User of an HttpFS gateway the NameNode lets impersonate others (`hadoop.proxyuser.<user>.*`);
     * unset = no proxy user.
     */
    readonly httpfsProxyUser?: string;
    /** Extra `core-site.xml` properties, applied last so they override the generated ones. */
    readonly coreSiteOverrides?: Readonly<Record<string, string>>;
    /** Extra `hdfs-site.xml` properties, applied last so they override the generated ones. */
    readonly hdfsSiteOverrides?: Readonly<Record<string, string>>;
}

/** Default block replication: as many copies as there are DataNodes, at most three. */
export function defaultReplication(datanodes: number): number {
    return Math.min(3, datanodes);
}

/** `fs.defaultFS` for the given NameNode host and RPC port. */
export function defaultFs(namenodeHost: string, rpcPort: number): string {
    return `hdfs://${namenodeHost}:${rpcPort}`;
}

/** Properties of `core-site.xml`, in file order. */
export function coreSiteProperties(args: HadoopSiteArgs): Record<string, string> {
    return {
        "fs.defaultFS": defaultFs(args.namenodeHost, args.rpcPort),
        ...(args.httpfsProxyUser === undefined
            ? {}
            : {
                  // Any host: the gateway pod's IP changes with every restart. Any group: under
                  // simple auth a WebHDFS client names any user already, so this grants no more.
                  [`hadoop.proxyuser.${args.httpfsProxyUser}.hosts`]: "*",
                  [`hadoop.proxyuser.${args.httpfsProxyUser}.groups`]: "*",
              }),
        ...args.coreSiteOverrides,
    };
}

/** Properties of `hdfs-site.xml`, in file order. */
export function hdfsSiteProperties(args: HadoopSiteArgs): Record<string, string> {
    const all = "0.0.0.0";
    return {
        "dfs.replication": String(args.replication ?? defaultReplication(args.datanodes)),
        "dfs.namenode.name.dir": `file://${HDFS_LAYOUT.nameDir}`,
        "dfs.datanode.data.dir": `file://${HDFS_LAYOUT.dataDir}`,
        "dfs.webhdfs.enabled": "true",
        "dfs.permissions.enabled": String(args.permissionsEnabled ?? true),
        "dfs.permissions.superusergroup": args.superGroup ?? "supergroup",
        // The RPC address is a Service name that resolves to a ClusterIP, which the NameNode
        // cannot bind; bind every interface instead.
        "dfs.namenode.rpc-bind-host": all,
        "dfs.namenode.servicerpc-bind-host": all,
        "dfs.namenode.http-bind-host": all,
        "dfs.namenode.http-address": `${all}:${HDFS_LAYOUT.namenodeHttpPort}`,
        "dfs.datanode.address": `${all}:${HDFS_LAYOUT.datanodeDataPort}`,
        "dfs.datanode.http.address": `${all}:${HDFS_LAYOUT.datanodeHttpPort}`,
        "dfs.datanode.ipc.address": `${all}:${HDFS_LAYOUT.datanodeIpcPort}`,
        // Pod IPs have no reverse DNS entry; without this the NameNode rejects DataNode registration.
        "dfs.namenode.datanode.registration.ip-hostname-check": "false",
        ...args.hdfsSiteOverrides,
    };
}

/** Escapes the five XML special characters. */
export function escapeXml(value: string): string {
    return value
        .replace(/&/g, "&amp;")
        .replace(/</g, "&lt;")
        .replace(/>/g, "&gt;")
        .replace(/"/g, "&quot;")
        .replace(/'/g, "&apos;");
}

/** A Hadoop `<configuration>` document with one `<property>` per entry, in order. */
export function hadoopConfigurationXml(properties: Readonly<Record<string, string>>): string {
    const body = Object.entries(properties)
        .map(
            ([name, value]) =>
                `    <property>\n        <name>${escapeXml(name)}</name>\n` +
                `        <value>${escapeXml(value)}</value>\n    </property>\n`,
        )
        .join("");
    return `<?xml version="1.0" encoding="UTF-8"?>\n<configuration>\n${body}</configuration>\n`;
}

/**
 * Properties of HttpFS's `httpfs-site.xml`: every interface on the gateway port, and the
 * cookie-signing secret read from the file the container writes at start (random per pod, so no
 * secret is in the ConfigMap, the state or the image).
 */
export function httpfsSiteProperties(): Record<string, string> {
    return {
        "httpfs.http.hostname": "0.0.0.0",
        "httpfs.http.port": String(HDFS_LAYOUT.httpfsPort),
        "hadoop.http.authentication.signature.secret.file": `${HDFS_LAYOUT.httpfsHome}/httpfs-signature.secret`,
    };
}

/** `httpfs-site.xml` text. */
export function httpfsSiteXml(): string {
    return hadoopConfigurationXml(httpfsSiteProperties());
}

/** `core-site.xml` text. */
export function coreSiteXml(args: HadoopSiteArgs): string {
    return hadoopConfigurationXml(coreSiteProperties(args));
}

/** `hdfs-site.xml` text. */
export function hdfsSiteXml(args: HadoopSiteArgs): string {
    return hadoopConfigurationXml(hdfsSiteProperties(args));
}
