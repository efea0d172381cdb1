/**
 * The names every pipeline declares, as plain data, checked together before any resource is
 * registered: two pipelines (or a pipeline and the stack's own lists) must never claim the same
 * topic, connector or HDFS directory, and no topic may ask for more replicas than brokers.
 */
import { slug } from "./pipeline";

/** One named thing a pipeline declares, with the config key that declares it. */
export interface Planned {
    /** Config key a user changes to fix a clash, e.g. `pipelines.topics[2].name`. */
    readonly key: string;
    /** `true` when a seed pipeline owns it (the user cannot rename it, only switch it off). */
    readonly builtIn: boolean;
}

/** A topic: created by the pipeline, or by ksqlDB for a stream (`replicationFactor` unset). */
export interface PlannedTopic extends Planned {
    readonly name: string;
    readonly replicationFactor?: number;
}

/** An HDFS directory and the user that owns it (the writer of what lands there). */
export interface PlannedDirectory extends Planned {
    readonly path: string;
    readonly owner?: string;
}

/** A connector by its name on the Connect cluster. */
export interface PlannedConnector extends Planned {
    readonly name: string;
}

/** What one pipeline declares; `problems` are its own checks (e.g. sensor ids). */
export interface PipelinePlan {
    readonly topics: readonly PlannedTopic[];
    readonly directories: readonly PlannedDirectory[];
    readonly connectors: readonly PlannedConnector[];
    readonly problems?: readonly string[];
}

/** An empty plan, to spread into a pipeline's own. */
export const emptyPlan: PipelinePlan = { topics: [], directories: [], connectors: [] };

/** How a seed pipeline's entry is switched off, for fix hints. */
function switchOff(key: string): string {
    const pipeline = /^pipelines\.[A-Za-z]+/.exec(key)?.[0] ?? key;
    return `pulumi config set --path '${pipeline}.enabled' false`;
}

/** The fix for a clash between `a` (declared first) and `b`. */
function fixFor(b: Planned, a: Planned, what: string): string {
    if (!b.builtIn) return `rename one, e.g. pulumi config set --path '${b.key}' <another ${what}>`;
    if (!a.builtIn) return `rename one, e.g. pulumi config set --path '${a.key}' <another ${what}>`;
    return `switch one pipeline off, e.g. ${switchOff(b.key)}`;
}

/** Kafka's own collision rule: `.` and `_` map to the same metric names. */
const kafkaCollisionForm = (name: string) => name.replace(/\./g, "_");

function topicProblems(topics: readonly PlannedTopic[], brokers: number | undefined): string[] {
    const problems: string[] = [];
    const seen: PlannedTopic[] = [];
    for (const t of topics) {
        if (t.name === "." || t.name === "..") {
            problems.push(
                `${t.key}: topic name "${t.name}" is not allowed by Kafka. Fix: pulumi config set --path '${t.key}' <a topic name>`,
            );
            continue;
        }
        if (brokers !== undefined && t.replicationFactor !== undefined) {
            if (t.replicationFactor > brokers) {
                const rfKey = t.key.replace(/\.name$/, ".replicationFactor");
                problems.push(
                    `${rfKey}: replication factor ${t.replicationFactor} of topic "${t.name}" is larger than the ${brokers} broker(s) of this stack. ` +
                        (t.builtIn
                            ? `Fix: pulumi config set --path 'kafka.replicas' ${t.replicationFactor}`
                            : `Fix: pulumi config set --path '${rfKey}' ${brokers}`),
                );
            }
        }
        const clash = seen.find(
            (s) =>
                s.name === t.name ||
                kafkaCollisionForm(s.name) === kafkaCollisionForm(t.name) ||
                slug(s.name) === slug(t.name),
        );
        if (clash !== undefined) {
            const how =
                clash.name === t.name
                    ? `is also declared by ${clash.key}`
                    : kafkaCollisionForm(clash.name) === kafkaCollisionForm(t.name)
                      ? `collides with "${clash.name}" of ${clash.key} (Kafka treats '.' and '_' alike)`
                      : `clashes with "${clash.name}" of ${clash.key} (they differ only in case or punctuation, so both would be resource topic-${slug(t.name)})`;
            problems.push(
                `${t.key}: topic "${t.name}" ${how}. Fix: ${fixFor(t, clash, "topic name")}`,
            );
            continue;
        }
        seen.push(t);
    }
    return problems;
}

const normalPath = (p: string) => (p.length > 1 ? p.replace(/\/+$/, "") : p);

function directoryProblems(dirs: readonly PlannedDirectory[]): string[] {
    const problems: string[] = [];
    const seen: PlannedDirectory[] = [];
    for (const d of dirs) {
        const clash = seen.find(
            (s) => normalPath(s.path) === normalPath(d.path) || slug(s.path) === slug(d.path),
        );
        if (clash !== undefined) {
            const how =
                normalPath(clash.path) === normalPath(d.path)
                    ? `is also declared by ${clash.key}`
                    : `clashes with "${clash.path}" of ${clash.key} (both would be resource hdfs-dir-${slug(d.path)})`;
            problems.push(
                `${d.key}: HDFS directory "${d.path}" ${how}. Fix: ${fixFor(d, clash, "path")}`,
            );
            continue;
        }
        seen.push(d);
    }
    return problems;
}

function connectorProblems(connectors: readonly PlannedConnector[]): string[] {
    const problems: string[] = [];
    const seen = new Map<string, PlannedConnector>();
    for (const c of connectors) {
        const clash = seen.get(c.name);
        if (clash !== undefined) {
            const how = clash.builtIn
                ? `is the name of a connector ${clash.key} declares`
                : `is also declared by ${clash.key}`;
            problems.push(
                `${c.key}: connector "${c.name}" ${how}. Fix: ${fixFor(c, clash, "connector name")}`,
            );
            continue;
        }
        seen.set(c.name, c);
    }
    return problems;
}

/**
 * Every problem with the plans taken together, in a stable order: each pipeline's own problems,
 * then topics, directories and connectors. Built-in plans should come before the user's lists,
 * so a clash names the user's entry as the one to rename.
 */
export function validatePlans(
    plans: readonly PipelinePlan[],
    brokers: number | undefined,
): string[] {
    return [
        ...plans.flatMap((p) => p.problems ?? []),
        ...topicProblems(
            plans.flatMap((p) => p.topics),
            brokers,
        ),
        ...directoryProblems(plans.flatMap((p) => p.directories)),
        ...connectorProblems(plans.flatMap((p) => p.connectors)),
    ];
}
