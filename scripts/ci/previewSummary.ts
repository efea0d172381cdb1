/**
 * Puts a short list of the replacements and deletes a `pulumi preview` proposes at the top of the
 * pull-request comment `pulumi/actions` wrote for it (the action's own comment starts with the
 * full report, where a replaced StatefulSet is easy to miss). Used by .github/workflows/preview.yml:
 *
 *   PREVIEW_OUTPUT=... STACK=dev PROJECT=ingest-platform PR_NUMBER=12 \
 *   GITHUB_TOKEN=... GITHUB_REPOSITORY=owner/repo npx tsx scripts/ci/previewSummary.ts
 *
 * The action finds its comment again by its heading, so the heading stays the first line and the
 * summary goes right below it; the action's next run rewrites the body and this step runs again.
 */

/** One resource the preview would replace or delete. */
export interface RiskyStep {
    readonly op: "replace" | "delete";
    readonly type: string;
    readonly name: string;
}

const marker = "<!-- ingest-preview-summary -->";

// A resource row of the preview table: operation symbol, tree drawing, type, name, plan.
const rowPattern =
    /^\s*(?:\+-|\+\+|--|-|\+|~)?\s+[│├└─\s]*([A-Za-z0-9_.-]+:[A-Za-z0-9_./-]*:[A-Za-z0-9_.]+)\s+(\S+)\s+(replace|create-replacement|delete-replaced|delete|discard)\b/;

/** The replacements and deletes in a preview's text output (ANSI colours ignored). */
export function riskySteps(output: string): RiskyStep[] {
    // eslint-disable-next-line no-control-regex
    const plain = output.replace(/\u001b\[[0-9;]*m/g, "");
    const seen = new Set<string>();
    const steps: RiskyStep[] = [];
    for (const line of plain.split("\n")) {
        const m = rowPattern.exec(line);
        if (m === null) continue;
        const op = m[3] === "delete" || m[3] === "discard" ? "delete" : "replace";
        const key = `${op} ${m[1]} ${m[2]}`;
        if (seen.has(key)) continue;
        seen.add(key);
        steps.push({ op, type: m[1], name: m[2] });
    }
    return steps;
}

/** Markdown for the top of the comment: one line when nothing is replaced or deleted. */
export function summaryMarkdown(steps: readonly RiskyStep[]): string {
    if (steps.length === 0) {
        return `${marker}\n**No replacements or deletes.**\n${marker}`;
    }
    const count = (op: RiskyStep["op"]) => steps.filter((s) => s.op === op).length;
    const lines = [
        marker,
        `**:warning: ${count("replace")} to replace, ${count("delete")} to delete**`,
        "",
        ...steps.map((s) => `- ${s.op} \`${s.name}\` (${s.type})`),
        marker,
    ];
    return lines.join("\n");
}

/** The comment body with the summary right below the heading (replacing an earlier summary). */
export function withSummary(body: string, heading: string, summary: string): string {
    let rest = body.slice(heading.length);
    const first = rest.indexOf(marker);
    const last = rest.lastIndexOf(marker);
    if (first >= 0 && last > first) {
        rest = rest.slice(0, first) + rest.slice(last + marker.length);
    }
    return `${heading}\n\n${summary}\n${rest.replace(/^\n+/, "\n")}`;
}

async function github(path: string, init: RequestInit = {}): Promise<unknown> {
    const res = await fetch(`https://api.github.com${path}`, {
        ...init,
        headers: {
            Authorization: `Bearer ${process.env.GITHUB_TOKEN ?? ""}`,
            Accept: "application/vnd.github+json",
            "Content-Type": "application/json",
        },
    });
    if (!res.ok) throw new Error(`${init.method ?? "GET"} ${path}: HTTP ${res.status}`);
    return res.json();
}

async function main(): Promise<void> {
    const need = (k: string) => {
        const v = process.env[k];
        if (v === undefined || v === "") throw new Error(`${k} is not set`);
        return v;
    };
    const repo = need("GITHUB_REPOSITORY");
    const pr = need("PR_NUMBER");
    // The heading pulumi/actions writes: command, then `<project>/<stack>`.
    const heading = `#### :tropical_drink: \`preview\` on ${need("PROJECT")}/${need("STACK")}`;
    const summary = summaryMarkdown(riskySteps(process.env.PREVIEW_OUTPUT ?? ""));
    console.log(summary);
    for (let page = 1; ; page++) {
        const comments = (await github(
            `/repos/${repo}/issues/${pr}/comments?per_page=100&page=${page}`,
        )) as { id: number; body?: string }[];
        const mine = comments.find((c) => c.body?.startsWith(heading));
        if (mine !== undefined) {
            await github(`/repos/${repo}/issues/comments/${mine.id}`, {
                method: "PATCH",
                body: JSON.stringify({ body: withSummary(mine.body ?? "", heading, summary) }),
            });
            return;
        }
        if (comments.length < 100) break;
    }
    console.log(`no comment starting with "${heading}" on #${pr}: summary printed only`);
}

if (require.main === module) {
    main().catch((err: unknown) => {
        console.error((err as Error).message);
        process.exit(1);
    });
}
