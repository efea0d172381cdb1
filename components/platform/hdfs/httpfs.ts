/**
 * The HttpFS gateway of the {@link Hdfs} component: Hadoop's own HTTP server (hadoop-hdfs-httpfs,
 * in the HDFS image) that answers the WebHDFS REST API and streams file contents itself. Plain
 * WebHDFS answers OPEN and CREATE with a redirect to a DataNode's pod address, which the machine
 * running `pulumi` or `check-landing` cannot reach from outside the cluster; HttpFS reads and
 * writes through the HDFS client inside the cluster, so one Service (a NodePort on kind) is enough.
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    appLabels,
    httpProbe,
    httpWorkload,
    nonRootPod,
    readOnlyContainer,
    scratchVolume,
    tcpProbe,
    toResources,
    type ResourceSpec,
} from "../common";
import { HADOOP_UID } from "./settings";
import { HDFS_LAYOUT, HTTPFS_USER } from "./siteXml";

type Container = k8s.types.input.core.v1.Container;
type Volume = k8s.types.input.core.v1.Volume;

/** Hadoop's config directory in the image; the site files are mounted into it. */
const CONF_DIR = "/opt/hadoop/etc/hadoop";
const HDFS_BIN = "/opt/hadoop/bin/hdfs";

/** Object name of the gateway's Deployment, Service and ServiceAccount. */
export function httpfsName(name: string): string {
    return `${name}-httpfs`;
}

/** Labels (also the selector) of the gateway's pods. */
export function httpfsLabels(name: string): Record<string, string> {
    return { ...appLabels(name, "hdfs"), "app.kubernetes.io/component": "httpfs" };
}

/**
 * Container entrypoint: writes a random cookie-signing secret (HttpFS refuses to start without
 * one) into the pod's private /tmp, then runs the gateway. Random per pod, so no secret lives in a
 * ConfigMap, the Pulumi state or the image; a restart only invalidates auth cookies, which simple
 * auth re-issues on the next request.
 */
export function httpfsStartScript(
    paths: { readonly home: string; readonly hdfsBin: string } = {
        home: HDFS_LAYOUT.httpfsHome,
        hdfsBin: HDFS_BIN,
    },
): string {
    const home = paths.home;
    return [
        "set -eu",
        "umask 077",
        `mkdir -p "${home}"`,
        `head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \\n' > "${home}/httpfs-signature.secret"`,
        `exec "${paths.hdfsBin}" httpfs`,
        "",
    ].join("\n");
}

/** Path the probes ask: a `GETFILESTATUS /` that HttpFS answers only once it reaches the NameNode. */
export const HTTPFS_READY_PATH = `/webhdfs/v1/?op=GETFILESTATUS&user.name=${HTTPFS_USER}`;

/** The gateway container (its port is added by the workload as `http`). */
export function httpfsContainer(image: pulumi.Input<string>, resources: ResourceSpec): Container {
    const ready = httpProbe(HTTPFS_READY_PATH, "http", 0);
    const siteFile = (file: string) => ({
        name: "hadoop-conf",
        mountPath: `${CONF_DIR}/${file}`,
        subPath: file,
        readOnly: true,
    });
    return {
        name: "httpfs",
        image,
        command: ["/bin/bash", "-c", httpfsStartScript()],
        env: [
            { name: "HADOOP_CONF_DIR", value: CONF_DIR },
            // The NameNode's core-site.xml lets this user act for the user each request names.
            { name: "HADOOP_USER_NAME", value: HTTPFS_USER },
            { name: "HTTPFS_HOME", value: HDFS_LAYOUT.httpfsHome },
            // No -Xmx: the heap follows the container memory limit.
            { name: "HTTPFS_OPTS", value: "-XX:MaxRAMPercentage=75.0" },
        ],
        startupProbe: { ...ready, periodSeconds: 5, failureThreshold: 36 },
        readinessProbe: ready,
        // Alive while Jetty accepts connections; a NameNode outage only takes it out of the Service.
        livenessProbe: { ...tcpProbe("http", 0, 20), failureThreshold: 6 },
        resources: toResources(resources),
        securityContext: readOnlyContainer,
        volumeMounts: [
            siteFile("core-site.xml"),
            siteFile("hdfs-site.xml"),
            siteFile("httpfs-site.xml"),
            // Read-only root: HttpFS's home, temp dir and secret, and the launcher's log dir.
            { name: "tmp", mountPath: "/tmp" },
            { name: "logs", mountPath: "/opt/hadoop/logs" },
        ],
    };
}

/** The gateway pod's volumes: the Hadoop ConfigMap and two scratch dirs. */
export function httpfsVolumes(configMapName: pulumi.Input<string>): Volume[] {
    return [
        { name: "hadoop-conf", configMap: { name: configMapName } },
        scratchVolume("tmp", "256Mi"),
        scratchVolume("logs", "256Mi"),
    ];
}

/** Arguments of {@link httpfsWorkload}. */
export interface HttpfsWorkloadArgs {
    readonly namespace: pulumi.Input<string>;
    /** The HDFS image (it carries hadoop-hdfs-httpfs). */
    readonly image: pulumi.Input<string>;
    /** The Hdfs ConfigMap with core-site.xml, hdfs-site.xml and httpfs-site.xml. */
    readonly configMapName: pulumi.Input<string>;
    readonly resources: ResourceSpec;
    /** NodePort exposing the gateway to the host; unset = ClusterIP. */
    readonly nodePort?: number;
}

/**
 * The gateway's Deployment, ServiceAccount and Service under `parent`; returns its in-cluster
 * WebHDFS root (`http://<name>-httpfs.<ns>.svc.cluster.local:14000/webhdfs/v1`).
 */
export function httpfsWorkload(
    name: string,
    args: HttpfsWorkloadArgs,
    parent: pulumi.Resource,
): pulumi.Output<string> {
    const url = httpWorkload(
        {
            name: httpfsName(name),
            namespace: args.namespace,
            labels: httpfsLabels(name),
            podSecurityContext: nonRootPod(HADOOP_UID),
            container: httpfsContainer(args.image, args.resources),
            volumes: httpfsVolumes(args.configMapName),
            portName: "http",
            port: HDFS_LAYOUT.httpfsPort,
            nodePort: args.nodePort,
        },
        parent,
    );
    return pulumi.interpolate`${url}/webhdfs/v1`;
}
