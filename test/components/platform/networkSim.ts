/**
 * A small evaluator of Kubernetes NetworkPolicy semantics (namespace-local pod selectors with
 * matchLabels, namespace selectors, ipBlocks, TCP ports), so tests can ask "may pod A open a
 * connection to pod B on port P" of the policies a stack registers, instead of reading rules.
 * A connection needs both A's egress and B's ingress allowed; a pod that no policy of a direction
 * selects is unrestricted in that direction; a selected pod allows the union of its rules.
 */
type Obj = Record<string, any>;

/** A pod in the simulated namespace, or a source outside it. */
export interface SimPod {
    readonly labels: Record<string, string>;
    /** Namespace (`kubernetes.io/metadata.name`); defaults to the simulated one. */
    readonly namespace?: string;
    /** Source IP for ipBlock rules (traffic from outside, e.g. a NodePort via the node). */
    readonly ip?: string;
}

const matches = (labels: Record<string, string>, selector: Obj | undefined) =>
    Object.entries<string>(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);

function inCidr(ip: string, cidr: string): boolean {
    const [base, bits] = cidr.split("/");
    const toInt = (a: string) => a.split(".").reduce((n, o) => (n << 8) + Number(o), 0) >>> 0;
    const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
    return (toInt(ip) & mask) === (toInt(base) & mask);
}

function peerMatches(peer: Obj, pod: SimPod, namespace: string): boolean {
    if (peer.ipBlock) return pod.ip !== undefined && inCidr(pod.ip, peer.ipBlock.cidr);
    if (pod.ip !== undefined && pod.namespace === undefined) return false;
    const ns = pod.namespace ?? namespace;
    if (peer.namespaceSelector) {
        if (!matches({ "kubernetes.io/metadata.name": ns }, peer.namespaceSelector)) return false;
        return peer.podSelector === undefined || matches(pod.labels, peer.podSelector);
    }
    return ns === namespace && matches(pod.labels, peer.podSelector);
}

const portMatches = (rule: Obj, port: number) =>
    rule.ports === undefined ||
    rule.ports.some((p: Obj) => (p.protocol ?? "TCP") === "TCP" && p.port === port);

function direction(
    policies: Obj[],
    pod: SimPod,
    type: "Ingress" | "Egress",
    allows: (rule: Obj) => boolean,
): boolean {
    const selecting = policies.filter(
        (p) => (p.policyTypes ?? ["Ingress"]).includes(type) && matches(pod.labels, p.podSelector),
    );
    if (selecting.length === 0) return true;
    const key = type === "Ingress" ? "ingress" : "egress";
    return selecting.some((p) => (p[key] ?? []).some(allows));
}

/** Whether `from` may connect to `to` (a pod of `namespace`) on TCP `port` under `policies`. */
export function allowed(
    policies: Obj[],
    namespace: string,
    from: SimPod,
    to: SimPod,
    port: number,
): boolean {
    const fromInside = from.ip === undefined && (from.namespace ?? namespace) === namespace;
    const egress =
        !fromInside ||
        direction(
            policies,
            from,
            "Egress",
            (r) =>
                portMatches(r, port) &&
                (r.to === undefined || r.to.some((peer: Obj) => peerMatches(peer, to, namespace))),
        );
    const ingress = direction(
        policies,
        to,
        "Ingress",
        (r) =>
            portMatches(r, port) &&
            (r.from === undefined ||
                r.from.some((peer: Obj) => peerMatches(peer, from, namespace))),
    );
    return egress && ingress;
}

/**
 * The Bitnami Kafka chart's (32.4.4) controller NetworkPolicy for the given `networkPolicy`
 * values, as templates/controller-eligible/networkpolicy.yaml renders it for combined nodes.
 */
export function kafkaChartPolicy(
    values: Obj,
    fullname: string,
    podLabels: Record<string, string>,
    external: boolean,
): Obj {
    const np = values.networkPolicy ?? {};
    const ports = [9093, 9092, 9094, ...(external ? [9095] : [])].map((port) => ({ port }));
    const self = {
        podSelector: {
            matchLabels: {
                "app.kubernetes.io/instance": fullname,
                "app.kubernetes.io/name": "kafka",
            },
        },
    };
    const from =
        np.allowExternal === false
            ? [
                  self,
                  ...(np.addExternalClientAccess === false
                      ? []
                      : [{ podSelector: { matchLabels: { [`${fullname}-client`]: "true" } } }]),
              ]
            : undefined;
    return {
        podSelector: { matchLabels: podLabels },
        policyTypes: ["Ingress", "Egress"],
        egress:
            np.allowExternalEgress === false
                ? [
                      {
                          ports: [
                              { port: 53, protocol: "UDP" },
                              { port: 53, protocol: "TCP" },
                          ],
                      },
                      { ports, to: [self] },
                  ]
                : [{}],
        ingress: [{ ports, ...(from ? { from } : {}) }, ...(np.extraIngress ?? [])],
    };
}
