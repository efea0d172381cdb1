/**
 * Pod, StatefulSet and Service specs of the {@link Hdfs} component, as pure functions of the
 * resolved settings so tests can assert them without a cluster.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    appLabels,
    httpProbe,
    nonRootPod,
    readOnlyContainer,
    scratchVolume,
    spreadReplicas,
    tcpProbe,
    toResources,
    type ResourceSpec,
} from "../common";
import { HADOOP_UID, type HdfsSettings } from "./settings";
import { HDFS_LAYOUT } from "./siteXml";

type PodSpec = k8s.types.input.core.v1.PodTemplateSpec;
type StatefulSetSpec = k8s.types.input.apps.v1.StatefulSetSpec;
type ServiceSpec = k8s.types.input.core.v1.ServiceSpec;

/** Hadoop's config directory in the Apache image; the site files are mounted into it. */
export const HADOOP_CONF_DIR = "/opt/hadoop/etc/hadoop";
const HDFS_BIN = "/opt/hadoop/bin/hdfs";
/** Log directory of the image's launcher (an emptyDir under the read-only root). */
const HADOOP_LOG_DIR = "/opt/hadoop/logs";

/** The two HDFS roles, used in names and the `app.kubernetes.io/component` label. */
export type HdfsRole = "namenode" | "datanode";

/** Kubernetes object names of one {@link Hdfs} instance (fixed, so DNS names are predictable). */
export function hdfsNames(name: string) {
    return {
        namenode: `${name}-namenode`,
        namenodeHeadless: `${name}-namenode-headless`,
        datanode: `${name}-datanode`,
        datanodeHeadless: `${name}-datanode-headless`,
        webhdfs: `${name}-webhdfs`,
    };
}

/** Labels (also the selector) of one HDFS role. */
export function hdfsLabels(name: string, role: HdfsRole): Record<string, string> {
    return { ...appLabels(name, "hdfs"), "app.kubernetes.io/component": role };
}

/**
 * NameNode entrypoint. It formats only when the metadata dir holds no `current/VERSION`, so a
 * restart, a rescheduled pod or a re-attached volume never wipes the namespace. A half-written
 * dir (files but no VERSION) makes `-nonInteractive` refuse to format, and the pod fails loudly
 * instead of silently starting empty. `paths` exists so tests can run the script for real.
 */
export function namenodeStartScript(
    clusterId: string,
    paths: { readonly nameDir: string; readonly hdfsBin: string } = {
        nameDir: HDFS_LAYOUT.nameDir,
        hdfsBin: HDFS_BIN,
    },
): string {
    const version = `${paths.nameDir}/current/VERSION`;
    return [
        "set -eu",
        `if [ -f "${version}" ]; then`,
        `  echo "hdfs: found ${version}; starting the existing namespace"`,
        "else",
        `  echo "hdfs: no ${version}; formatting a new namespace (cluster id ${clusterId})"`,
        `  "${paths.hdfsBin}" namenode -format -nonInteractive -clusterId "${clusterId}"`,
        "fi",
        `exec "${paths.hdfsBin}" namenode`,
        "",
    ].join("\n");
}

function hadoopPod(
    name: string,
    role: HdfsRole,
    s: HdfsSettings,
    configMapName: pulumi.Input<string>,
    container: {
        command: string[];
        ports: k8s.types.input.core.v1.ContainerPort[];
        probePath: string;
        resources: ResourceSpec;
        mountPath: string;
        spread?: ReturnType<typeof spreadReplicas>;
    },
    serviceAccountName: pulumi.Input<string>,
): PodSpec {
    const probe = httpProbe(container.probePath, "http", 0);
    const siteFile = (file: string) => ({
        name: "hadoop-conf",
        mountPath: `${HADOOP_CONF_DIR}/${file}`,
        subPath: file,
    });
    return {
        metadata: { labels: hdfsLabels(name, role) },
        spec: {
            serviceAccountName,
            automountServiceAccountToken: false,
            securityContext: nonRootPod(HADOOP_UID),
            affinity: container.spread?.affinity,
            topologySpreadConstraints: container.spread?.topologySpreadConstraints,
            containers: [
                {
                    name: role,
                    image: s.image,
                    command: container.command,
                    env: [
                        { name: "HADOOP_CONF_DIR", value: HADOOP_CONF_DIR },
                        // No -Xmx is set, so the heap follows the container memory limit.
                        {
                            name: role === "namenode" ? "HDFS_NAMENODE_OPTS" : "HDFS_DATANODE_OPTS",
                            value: "-XX:MaxRAMPercentage=75.0",
                        },
                    ],
                    ports: container.ports,
                    // Formatting and edit-log replay can take minutes; only then do the other probes run.
                    startupProbe: { ...probe, periodSeconds: 5, failureThreshold: 60 },
                    readinessProbe: probe,
                    // Alive while the HTTP server accepts connections; readiness asks the daemon.
                    livenessProbe: { ...tcpProbe("http", 0, 20), failureThreshold: 6 },
                    resources: toResources(container.resources),
                    securityContext: readOnlyContainer,
                    volumeMounts: [
                        { name: "data", mountPath: container.mountPath },
                        siteFile("core-site.xml"),
                        siteFile("hdfs-site.xml"),
                        // Read-only root: hadoop.tmp.dir and the launcher's log dir.
                        { name: "tmp", mountPath: "/tmp" },
                        { name: "logs", mountPath: HADOOP_LOG_DIR },
                    ],
                },
            ],
            volumes: [
                { name: "hadoop-conf", configMap: { name: configMapName } },
                scratchVolume("tmp"),
                scratchVolume("logs", "512Mi"),
            ],
        },
    };
}

function claimTemplate(size: string, storageClass: string | undefined) {
    return {
        metadata: { name: "data" },
        spec: {
            accessModes: ["ReadWriteOnce"],
            storageClassName: storageClass,
            resources: { requests: { storage: size } },
        },
    };
}

/** StatefulSet spec of the single NameNode. */
export function namenodeStatefulSetSpec(
    name: string,
    s: HdfsSettings,
    configMapName: pulumi.Input<string>,
    serviceAccountName: pulumi.Input<string> = hdfsNames(name).namenode,
): StatefulSetSpec {
    return {
        serviceName: hdfsNames(name).namenodeHeadless,
        replicas: 1,
        selector: { matchLabels: hdfsLabels(name, "namenode") },
        persistentVolumeClaimRetentionPolicy: {
            whenDeleted: s.whenDeleted,
            whenScaled: s.whenScaled,
        },
        template: hadoopPod(
            name,
            "namenode",
            s,
            configMapName,
            {
                command: ["/bin/bash", "-c", namenodeStartScript(`CID-${name}`)],
                ports: [
                    { name: "rpc", containerPort: s.rpcPort },
                    { name: "http", containerPort: HDFS_LAYOUT.namenodeHttpPort },
                ],
                probePath: "/jmx?qry=Hadoop:service=NameNode,name=NameNodeStatus",
                resources: s.namenodeResources,
                mountPath: HDFS_LAYOUT.nameMount,
            },
            serviceAccountName,
        ),
        volumeClaimTemplates: [claimTemplate(s.namenodeStorage, s.storageClass)],
    };
}

/** StatefulSet spec of the DataNodes. */
export function datanodeStatefulSetSpec(
    name: string,
    s: HdfsSettings,
    configMapName: pulumi.Input<string>,
    serviceAccountName: pulumi.Input<string> = hdfsNames(name).datanode,
): StatefulSetSpec {
    const selector = { matchLabels: hdfsLabels(name, "datanode") };
    // One DataNode per node (required), spread over zones: with replication 3 a node or zone
    // loss keeps a replica of every block.
    const spread = spreadReplicas(hdfsLabels(name, "datanode"));
    return {
        serviceName: hdfsNames(name).datanodeHeadless,
        replicas: s.datanodes,
        // DataNodes are independent peers; starting them one by one only slows rollouts.
        podManagementPolicy: "Parallel",
        selector,
        persistentVolumeClaimRetentionPolicy: {
            whenDeleted: s.whenDeleted,
            whenScaled: s.whenScaled,
        },
        template: hadoopPod(
            name,
            "datanode",
            s,
            configMapName,
            {
                command: [HDFS_BIN, "datanode"],
                ports: [
                    { name: "data", containerPort: HDFS_LAYOUT.datanodeDataPort },
                    { name: "http", containerPort: HDFS_LAYOUT.datanodeHttpPort },
                    { name: "ipc", containerPort: HDFS_LAYOUT.datanodeIpcPort },
                ],
                probePath: "/jmx?qry=Hadoop:service=DataNode,name=DataNodeInfo",
                resources: s.datanodeResources,
                mountPath: HDFS_LAYOUT.dataMount,
                spread,
            },
            serviceAccountName,
        ),
        volumeClaimTemplates: [claimTemplate(s.datanodeStorage, s.storageClass)],
    };
}

/** Service specs: NameNode client + headless, DataNode headless, optional WebHDFS NodePort. */
export function hdfsServiceSpecs(name: string, s: HdfsSettings) {
    const nnPorts = [
        { name: "rpc", port: s.rpcPort, targetPort: "rpc" },
        { name: "http", port: HDFS_LAYOUT.namenodeHttpPort, targetPort: "http" },
    ];
    const namenode: ServiceSpec = { selector: hdfsLabels(name, "namenode"), ports: nnPorts };
    const namenodeHeadless: ServiceSpec = {
        clusterIP: "None",
        // DNS records before readiness, so a starting NameNode can resolve its own name.
        publishNotReadyAddresses: true,
        selector: hdfsLabels(name, "namenode"),
        ports: nnPorts,
    };
    const datanodeHeadless: ServiceSpec = {
        clusterIP: "None",
        publishNotReadyAddresses: true,
        selector: hdfsLabels(name, "datanode"),
        ports: [
            { name: "data", port: HDFS_LAYOUT.datanodeDataPort, targetPort: "data" },
            { name: "http", port: HDFS_LAYOUT.datanodeHttpPort, targetPort: "http" },
            { name: "ipc", port: HDFS_LAYOUT.datanodeIpcPort, targetPort: "ipc" },
        ],
    };
    const webhdfs: ServiceSpec | undefined =
        s.webhdfsNodePort === undefined
            ? undefined
            : {
                  type: "NodePort",
                  selector: hdfsLabels(name, "namenode"),
                  ports: [
                      {
                          name: "http",
                          port: HDFS_LAYOUT.namenodeHttpPort,
                          targetPort: "http",
                          nodePort: s.webhdfsNodePort,
                      },
                  ],
              };
    return { namenode, namenodeHeadless, datanodeHeadless, webhdfs };
}
