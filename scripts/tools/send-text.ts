/**
 * `npm run send-text -- notes.txt` (or lines on stdin): seed 003's unorganized text. Posts lines
 * to the Flume HTTP source (JSON handler: an array of `{headers, body}` events per request),
 * which puts them on `UNORGANIZED`.
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import axios from "axios";
import { StackOutputs, resolveEndpoint, ConnectionError, type Endpoint } from "./lib/endpoints";
import { positiveInt, runTool, toolCommand } from "./lib/cli";

/** Stack outputs that may hold the host URL of the Flume HTTP source. */
export const FLUME_HTTP_OUTPUT_KEYS = ["unorganizedHttpHostUrl", "flumeHttpHostUrl"] as const;

const program = toolCommand(
    "send-text",
    "Send text lines to the Flume HTTP source (seed 003's UNORGANIZED)",
)
    .argument("[file]", "text file (default: stdin)")
    .option(
        "--url <url>",
        "Flume HTTP source, e.g. http://127.0.0.1:30081 (default: stack output unorganizedHttpHostUrl)",
    )
    .option("--batch <lines>", "lines per request", positiveInt, 100)
    .option("--json", "print the summary as JSON");

async function post(url: Endpoint, lines: string[]): Promise<void> {
    let res;
    try {
        res = await axios.post(
            url.value,
            lines.map((body) => ({ headers: {}, body })),
            {
                timeout: 30_000,
                validateStatus: () => true,
            },
        );
    } catch (err) {
        throw new ConnectionError("the Flume HTTP source", url, err);
    }
    if (res.status !== 200) {
        throw new Error(
            `Flume HTTP source at ${url.value} (from ${url.source}) answered ${res.status}: ${String(res.data).slice(0, 200)}`,
        );
    }
}

runTool(async () => {
    program.parse();
    const o = program.opts<{ stack?: string; url?: string; batch: number; json?: boolean }>();
    const url = await resolveEndpoint(
        "Flume HTTP source URL",
        "--url",
        o.url,
        new StackOutputs(o.stack),
        FLUME_HTTP_OUTPUT_KEYS,
    );
    const input = program.args[0] ? createReadStream(program.args[0]) : process.stdin;
    let batch: string[] = [];
    let sent = 0;
    let requests = 0;
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
        if (line === "") continue;
        batch.push(line);
        if (batch.length >= o.batch) {
            await post(url, batch);
            sent += batch.length;
            requests += 1;
            batch = [];
        }
    }
    if (batch.length > 0) {
        await post(url, batch);
        sent += batch.length;
        requests += 1;
    }
    if (o.json) console.log(JSON.stringify({ lines: sent, requests }));
    else console.log(`sent ${sent} lines in ${requests} request(s) to ${url.value}`);
});
