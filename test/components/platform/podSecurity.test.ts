import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { restrictedViolations } from "./podSecurity";

const passing = () => ({
    securityContext: {
        runAsNonRoot: true,
        runAsUser: 1000,
        seccompProfile: { type: "RuntimeDefault" },
    },
    containers: [
        {
            name: "app",
            ports: [{ containerPort: 8080 }],
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
        },
    ],
    volumes: [
        { name: "tmp", emptyDir: {} },
        { name: "conf", configMap: { name: "c" } },
        { name: "data", persistentVolumeClaim: { claimName: "d" } },
    ],
});

describe("Pod Security Standards restricted checker", () => {
    it("passes a pod that meets every restricted control", () => {
        assert.deepEqual(restrictedViolations(passing()), []);
    });

    const cases: [string, (p: any) => void, string][] = [
        [
            "missing seccomp",
            (p) => delete p.securityContext.seccompProfile,
            "app: seccompProfile unset",
        ],
        [
            "Unconfined seccomp on a container",
            (p) => (p.containers[0].securityContext.seccompProfile = { type: "Unconfined" }),
            "app: seccomp Unconfined",
        ],
        ["missing runAsNonRoot", (p) => delete p.securityContext.runAsNonRoot, "app: runAsNonRoot"],
        ["root uid", (p) => (p.securityContext.runAsUser = 0), "pod: runAsUser 0"],
        [
            "privilege escalation allowed",
            (p) => delete p.containers[0].securityContext.allowPrivilegeEscalation,
            "app: allowPrivilegeEscalation",
        ],
        [
            "capabilities kept",
            (p) => (p.containers[0].securityContext.capabilities = {}),
            "app: capabilities not dropping ALL",
        ],
        [
            "a capability added",
            (p) => (p.containers[0].securityContext.capabilities.add = ["NET_RAW"]),
            "app: adds capability NET_RAW",
        ],
        [
            "hostPath volume",
            (p) => p.volumes.push({ name: "h", hostPath: { path: "/" } }),
            "volume h: hostPath",
        ],
        ["hostNetwork", (p) => (p.hostNetwork = true), "pod: hostNetwork"],
        ["hostPort", (p) => (p.containers[0].ports[0].hostPort = 80), "app: hostPort 80"],
        [
            "privileged",
            (p) => (p.containers[0].securityContext.privileged = true),
            "app: privileged",
        ],
        [
            "an init container without the controls",
            (p) => (p.initContainers = [{ name: "init" }]),
            "init: allowPrivilegeEscalation",
        ],
        [
            "an unsafe sysctl",
            (p) => (p.securityContext.sysctls = [{ name: "kernel.msgmax", value: "1" }]),
            "sysctl kernel.msgmax",
        ],
    ];
    for (const [what, mutate, expected] of cases) {
        it(`flags ${what}`, () => {
            const pod = passing();
            mutate(pod);
            assert.ok(
                restrictedViolations(pod).includes(expected),
                `${expected} in ${JSON.stringify(restrictedViolations(pod))}`,
            );
        });
    }
});
