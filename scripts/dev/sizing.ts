/**
 * What a stack's pods ask the cluster for: CPU and memory requested and limited, summed over the
 * Deployments, StatefulSets, Jobs and CronJobs of a program run (under mocks, from the registered
 * inputs) and the Kafka chart's controllers. A pod counts as max(largest init container, sum of
 * its containers), times its replicas — what the scheduler reserves.
 */

/** A registered resource: its type token and inputs. */
export interface RegisteredResource {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, unknown>;
}

/** Totals in millicores and MiB. */
export interface Sizing {
    readonly cpuRequestMilli: number;
    readonly memoryRequestMi: number;
    readonly cpuLimitMilli: number;
    readonly memoryLimitMi: number;
    /** One line per workload: `name ×replicas: requests …, limits …`. */
    readonly workloads: string[];
}

interface Resources {
    requests?: Record<string, string>;
    limits?: Record<string, string>;
}
interface Container {
    resources?: Resources;
}
interface PodSpec {
    containers?: Container[];
    initContainers?: Container[];
}

/** `"250m"` → 250, `"2"` → 2000. */
export function milliCpu(q: string | undefined): number {
    if (q === undefined) return 0;
    return q.endsWith("m") ? Number(q.slice(0, -1)) : Math.round(Number(q) * 1000);
}

/** `"512Mi"` → 512, `"2Gi"` → 2048 (binary suffixes; the stack uses no others). */
export function mebibytes(q: string | undefined): number {
    if (q === undefined) return 0;
    const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi)?$/.exec(q);
    if (!m) throw new Error(`unsupported memory quantity ${q}`);
    const n = Number(m[1]);
    return m[2] === "Gi" ? n * 1024 : m[2] === "Ki" ? n / 1024 : m[2] === "Mi" ? n : n / 2 ** 20;
}

function podTotals(spec: PodSpec) {
    const sum = (cs: Container[] | undefined, f: (r: Resources) => number) =>
        (cs ?? []).reduce((n, c) => n + f(c.resources ?? {}), 0);
    const max = (cs: Container[] | undefined, f: (r: Resources) => number) =>
        Math.max(0, ...(cs ?? []).map((c) => f(c.resources ?? {})));
    const pick = (f: (r: Resources) => number) =>
        Math.max(sum(spec.containers, f), max(spec.initContainers, f));
    return {
        cpuReq: pick((r) => milliCpu(r.requests?.cpu)),
        memReq: pick((r) => mebibytes(r.requests?.memory)),
        cpuLim: pick((r) => milliCpu(r.limits?.cpu)),
        memLim: pick((r) => mebibytes(r.limits?.memory)),
    };
}

/** Sums what the registered workloads request and are limited to. */
export function stackSizing(resources: readonly RegisteredResource[]): Sizing {
    const out = { cpuRequestMilli: 0, memoryRequestMi: 0, cpuLimitMilli: 0, memoryLimitMi: 0 };
    const workloads: string[] = [];
    const add = (name: string, replicas: number, spec: PodSpec) => {
        const t = podTotals(spec);
        out.cpuRequestMilli += replicas * t.cpuReq;
        out.memoryRequestMi += replicas * t.memReq;
        out.cpuLimitMilli += replicas * t.cpuLim;
        out.memoryLimitMi += replicas * t.memLim;
        workloads.push(
            `${name} ×${replicas}: requests ${t.cpuReq}m/${t.memReq}Mi, limits ${t.cpuLim}m/${t.memLim}Mi`,
        );
    };
    for (const r of resources) {
        const spec = r.inputs.spec as
            | {
                  replicas?: number;
                  template?: { spec?: PodSpec };
                  jobTemplate?: { spec?: { template?: { spec?: PodSpec } } };
              }
            | undefined;
        if (/:apps\/v1:(Deployment|StatefulSet)$/.test(r.type) && spec?.template?.spec) {
            add(r.name, spec.replicas ?? 1, spec.template.spec);
        } else if (r.type.endsWith(":batch/v1:Job") && spec?.template?.spec) {
            add(r.name, 1, spec.template.spec);
        } else if (
            r.type.endsWith(":batch/v1:CronJob") &&
            spec?.jobTemplate?.spec?.template?.spec
        ) {
            add(r.name, 1, spec.jobTemplate.spec.template.spec);
        } else if (r.type === "kubernetes:helm.sh/v4:Chart") {
            // The Kafka chart renders its controllers from these values (mocks do not render it).
            const values = r.inputs.values as
                { controller?: { replicaCount?: number; resources?: Resources } } | undefined;
            if (values?.controller?.resources) {
                add(`${r.name} controller`, values.controller.replicaCount ?? 1, {
                    containers: [{ resources: values.controller.resources }],
                });
            }
        }
    }
    return { ...out, workloads };
}

/** `1.6 CPU and 6.1 GiB` for a README line. */
export function describeSizing(s: Sizing): { requests: string; limits: string } {
    const fmt = (milli: number, mi: number) =>
        `${(milli / 1000).toFixed(2)} CPU, ${(mi / 1024).toFixed(2)} GiB memory`;
    return {
        requests: fmt(s.cpuRequestMilli, s.memoryRequestMi),
        limits: fmt(s.cpuLimitMilli, s.memoryLimitMi),
    };
}
