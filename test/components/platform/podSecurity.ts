/**
 * The Kubernetes Pod Security Standards ("baseline" and "restricted" profiles, as written in
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/) as a checker over pod specs
 * recorded under Pulumi mocks, and the walk that finds every pod template in the recorded graph.
 */
import type { RecordedResource } from "../../helpers/mocks";

type Obj = Record<string, any>;

const BASELINE_CAPABILITIES = new Set([
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
]);
const SAFE_SYSCTLS = new Set([
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
]);
const SELINUX_TYPES = new Set([
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
]);
const RESTRICTED_VOLUMES = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/** Every violation of the "restricted" profile (which includes "baseline") in one pod spec. */
export function restrictedViolations(pod: Obj): string[] {
    const v: string[] = [];
    const psc: Obj = pod.securityContext ?? {};
    const containers: Obj[] = [
        ...(pod.initContainers ?? []),
        ...(pod.containers ?? []),
        ...(pod.ephemeralContainers ?? []),
    ];
    const scs = containers.map(
        (c) => [c.name as string, (c.securityContext ?? {}) as Obj] as const,
    );

    // Baseline.
    if (psc.windowsOptions?.hostProcess) v.push("pod: hostProcess");
    for (const f of ["hostNetwork", "hostPID", "hostIPC"]) if (pod[f]) v.push(`pod: ${f}`);
    for (const [n, sc] of scs) {
        if (sc.windowsOptions?.hostProcess) v.push(`${n}: hostProcess`);
        if (sc.privileged) v.push(`${n}: privileged`);
        for (const cap of sc.capabilities?.add ?? []) {
            if (!BASELINE_CAPABILITIES.has(cap)) v.push(`${n}: adds capability ${cap}`);
        }
        if (sc.procMount !== undefined && sc.procMount !== "Default") v.push(`${n}: procMount`);
    }
    for (const vol of pod.volumes ?? []) if (vol.hostPath) v.push(`volume ${vol.name}: hostPath`);
    for (const c of containers) {
        for (const p of c.ports ?? []) if (p.hostPort) v.push(`${c.name}: hostPort ${p.hostPort}`);
    }
    for (const [who, sc] of [["pod", psc] as const, ...scs]) {
        const apparmor = sc.appArmorProfile?.type;
        if (apparmor !== undefined && apparmor !== "RuntimeDefault" && apparmor !== "Localhost") {
            v.push(`${who}: appArmorProfile ${apparmor}`);
        }
        const se = sc.seLinuxOptions;
        if (se && (!SELINUX_TYPES.has(se.type ?? "") || se.user || se.role)) {
            v.push(`${who}: seLinuxOptions`);
        }
        if (sc.seccompProfile?.type === "Unconfined") v.push(`${who}: seccomp Unconfined`);
    }
    for (const s of psc.sysctls ?? []) if (!SAFE_SYSCTLS.has(s.name)) v.push(`sysctl ${s.name}`);
    for (const [k, val] of Object.entries<string>(pod.metadata?.annotations ?? {})) {
        if (k.startsWith("container.apparmor.security.beta.kubernetes.io/")) {
            if (val !== "runtime/default" && !val.startsWith("localhost/"))
                v.push(`annotation ${k}`);
        }
    }

    // Restricted.
    for (const vol of pod.volumes ?? []) {
        const kinds = Object.keys(vol).filter((k) => k !== "name");
        if (!kinds.every((k) => RESTRICTED_VOLUMES.includes(k))) {
            v.push(`volume ${vol.name}: type ${kinds.join(",")}`);
        }
    }
    for (const [n, sc] of scs) {
        if (sc.allowPrivilegeEscalation !== false) v.push(`${n}: allowPrivilegeEscalation`);
        const drop: string[] = sc.capabilities?.drop ?? [];
        if (!drop.includes("ALL")) v.push(`${n}: capabilities not dropping ALL`);
        for (const cap of sc.capabilities?.add ?? []) {
            if (cap !== "NET_BIND_SERVICE") v.push(`${n}: adds capability ${cap}`);
        }
        // runAsNonRoot: set on the pod (and not overridden false) or on every container.
        if (sc.runAsNonRoot === false || (sc.runAsNonRoot !== true && psc.runAsNonRoot !== true)) {
            v.push(`${n}: runAsNonRoot`);
        }
        if (sc.runAsUser === 0) v.push(`${n}: runAsUser 0`);
        const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
        if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") {
            v.push(`${n}: seccompProfile ${seccomp ?? "unset"}`);
        }
    }
    if (psc.runAsUser === 0) v.push("pod: runAsUser 0");
    return v;
}

/** Every pod template in the recorded graph: `kind name` → pod template (metadata + spec). */
export function podTemplates(recorded: readonly RecordedResource[]): Map<string, Obj> {
    const pods = new Map<string, Obj>();
    for (const r of recorded) {
        const spec = r.inputs.spec as Obj | undefined;
        const kind = r.type.split(":").pop();
        const template =
            kind === "CronJob"
                ? spec?.jobTemplate?.spec?.template
                : ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"].includes(
                        kind ?? "",
                    )
                  ? spec?.template
                  : kind === "Pod"
                    ? r.inputs
                    : undefined;
        if (template) pods.set(`${kind} ${r.name}`, template);
    }
    return pods;
}
