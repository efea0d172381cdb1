/**
 * HDFS on Kubernetes: one NameNode and N DataNodes as StatefulSets with persistent volumes, the
 * Hadoop site files in a ConfigMap other workloads can mount, and WebHDFS for the directory
 * resources and landing checks.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import { appLabels, disruptionBudget, resolveImage, workloadServiceAccount } from "./common";
import type { HdfsArgs } from "./hdfs/args";
import { httpfsWorkload } from "./hdfs/httpfs";
import { HDFS_IMAGE_BUILD, resolveHdfsSettings, validateHdfsSettings } from "./hdfs/settings";
import { coreSiteXml, HDFS_LAYOUT, hdfsSiteXml, HTTPFS_USER, httpfsSiteXml } from "./hdfs/siteXml";
import {
    datanodeStatefulSetSpec,
    hdfsLabels,
    hdfsNames,
    hdfsServiceSpecs,
    namenodeStatefulSetSpec,
    type HdfsRole,
} from "./hdfs/workloads";

type ServiceSpec = k8s.types.input.core.v1.ServiceSpec;

export { coreSiteXml, hdfsSiteXml } from "./hdfs/siteXml";

export type { HdfsArgs, HdfsPvcRetention, PvcRetentionAction } from "./hdfs/args";

/** An HDFS NameNode and its DataNodes, with WebHDFS exposed inside the cluster (and optionally to the host). */
export class Hdfs extends pulumi.ComponentResource {
    /** `hdfs://<namenode>.<ns>.svc.cluster.local:<rpcPort>`, the `fs.defaultFS` of clients. */
    public readonly rpcUrl: pulumi.Output<string>;
    /** In-cluster WebHDFS root, `http://<namenode>.<ns>.svc.cluster.local:9870/webhdfs/v1`. */
    public readonly webhdfsUrl: pulumi.Output<string>;
    /** WebHDFS root reachable from the host through the NodePort; `undefined` without one. */
    public readonly hostWebhdfsUrl: pulumi.Output<string> | undefined;
    /**
     * In-cluster root of the HttpFS gateway, `http://<name>-httpfs.<ns>.svc.cluster.local:14000/webhdfs/v1`:
     * the WebHDFS API with file contents served by the gateway instead of a DataNode redirect.
     */
    public readonly httpfsUrl: pulumi.Output<string>;
    /** HttpFS root reachable from the host through its NodePort; `undefined` without one. */
    public readonly hostHttpfsUrl: pulumi.Output<string> | undefined;
    /** ConfigMap holding `core-site.xml` and `hdfs-site.xml`, for clients to mount. */
    public readonly configMapName: pulumi.Output<string>;
    /** Image reference the pods run (`hdfs.image`, or the one built here). */
    public readonly image: pulumi.Output<string>;

    constructor(name: string, args: HdfsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ingest:components:Hdfs", name, {}, opts);
        // Unless an image is named, build components/platform/hdfs/Dockerfile as Flume and Sqoop
        // build theirs (validation comes first, so bad arguments fail before any build).
        const problems = validateHdfsSettings(resolveHdfsSettings(args));
        if (problems.length > 0) {
            throw new pulumi.ResourceError(
                `invalid Hdfs "${name}" arguments:\n  - ${problems.join("\n  - ")}`,
                this,
            );
        }
        const built =
            args.image === undefined
                ? resolveImage(
                      name,
                      { buildRegistry: args.buildRegistry },
                      { context: path.join(__dirname, "hdfs"), ...HDFS_IMAGE_BUILD },
                      this,
                  )
                : undefined;
        const s = resolveHdfsSettings(args, built);
        this.image = pulumi.output(s.image);
        const names = hdfsNames(name);
        const ns = args.namespace;
        const siteArgs = {
            rpcPort: s.rpcPort,
            datanodes: s.datanodes,
            replication: s.replication,
            permissionsEnabled: s.permissionsEnabled,
            superGroup: s.superGroup,
            coreSiteOverrides: s.coreSiteOverrides,
            hdfsSiteOverrides: s.hdfsSiteOverrides,
            // The HttpFS gateway acts for the user each request names.
            httpfsProxyUser: HTTPFS_USER,
        };
        const nnHost = pulumi.interpolate`${names.namenode}.${ns}.svc.cluster.local`;

        // Auto-named: a config change creates a new ConfigMap, so the pods that mount it roll.
        const config = new k8s.core.v1.ConfigMap(
            `${name}-hadoop-conf`,
            {
                metadata: { namespace: ns, labels: appLabels(name, "hdfs") },
                data: {
                    "core-site.xml": nnHost.apply((h) =>
                        coreSiteXml({ ...siteArgs, namenodeHost: h }),
                    ),
                    "hdfs-site.xml": nnHost.apply((h) =>
                        hdfsSiteXml({ ...siteArgs, namenodeHost: h }),
                    ),
                    "httpfs-site.xml": httpfsSiteXml(),
                },
            },
            { parent: this },
        );

        const meta = (objectName: string, role: HdfsRole) => ({
            name: objectName,
            namespace: ns,
            labels: hdfsLabels(name, role),
        });
        const specs = hdfsServiceSpecs(name, s);
        const service = (svcName: string, role: HdfsRole, spec: ServiceSpec) =>
            new k8s.core.v1.Service(
                svcName,
                { metadata: meta(svcName, role), spec },
                { parent: this },
            );
        const nnService = service(names.namenode, "namenode", specs.namenode);
        const nnHeadless = service(names.namenodeHeadless, "namenode", specs.namenodeHeadless);
        const dnHeadless = service(names.datanodeHeadless, "datanode", specs.datanodeHeadless);
        if (specs.webhdfs) service(names.webhdfs, "namenode", specs.webhdfs);

        const account = (role: HdfsRole, objectName: string) =>
            workloadServiceAccount(objectName, ns, hdfsLabels(name, role), this);
        const namenode = new k8s.apps.v1.StatefulSet(
            names.namenode,
            {
                metadata: meta(names.namenode, "namenode"),
                spec: namenodeStatefulSetSpec(
                    name,
                    s,
                    config.metadata.name,
                    account("namenode", names.namenode),
                ),
            },
            { parent: this, dependsOn: [nnHeadless] },
        );
        // DataNodes retry until the NameNode answers, but starting them after it avoids a burst
        // of connection errors in their logs on first deploy.
        new k8s.apps.v1.StatefulSet(
            names.datanode,
            {
                metadata: meta(names.datanode, "datanode"),
                spec: datanodeStatefulSetSpec(
                    name,
                    s,
                    config.metadata.name,
                    account("datanode", names.datanode),
                ),
            },
            { parent: this, dependsOn: [dnHeadless, nnService, namenode] },
        );
        // A drain takes one DataNode at a time: with replication 3 every block stays readable.
        disruptionBudget(
            names.datanode,
            ns,
            hdfsLabels(name, "datanode"),
            hdfsLabels(name, "datanode"),
            this,
        );

        // The HttpFS gateway: how the host reads file contents (see hdfs/httpfs.ts).
        this.httpfsUrl = httpfsWorkload(
            name,
            {
                namespace: ns,
                image: s.image,
                configMapName: config.metadata.name,
                resources: s.httpfsResources,
                nodePort: s.httpfsNodePort,
            },
            this,
        );
        this.hostHttpfsUrl =
            s.httpfsNodePort === undefined
                ? undefined
                : pulumi.output(`http://${s.hostAddress}:${s.httpfsNodePort}/webhdfs/v1`);

        const nnSvcHost = pulumi.interpolate`${nnService.metadata.name}.${ns}.svc.cluster.local`;
        this.rpcUrl = pulumi.interpolate`hdfs://${nnSvcHost}:${s.rpcPort}`;
        this.webhdfsUrl = pulumi.interpolate`http://${nnSvcHost}:${HDFS_LAYOUT.namenodeHttpPort}/webhdfs/v1`;
        this.hostWebhdfsUrl =
            s.webhdfsNodePort === undefined
                ? undefined
                : pulumi.output(`http://${s.hostAddress}:${s.webhdfsNodePort}/webhdfs/v1`);
        this.configMapName = config.metadata.name;
        this.registerOutputs({
            rpcUrl: this.rpcUrl,
            webhdfsUrl: this.webhdfsUrl,
            hostWebhdfsUrl: this.hostWebhdfsUrl,
            httpfsUrl: this.httpfsUrl,
            hostHttpfsUrl: this.hostHttpfsUrl,
            configMapName: this.configMapName,
        });
    }
}
