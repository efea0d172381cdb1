/**
 * Benchmarks (`npm run bench`): figures, never pass/fail. Each measurement runs beside a baseline
 * in the same process and prints the ratio, so machine speed cancels out.
 *
 * 1. The shared HTTP helper (connectors/http.ts: timeouts, retry policy, error shaping) against a
 *    bare axios call, on a local HTTP server answering like Connect's GET /connectors/{name}.
 * 2. Rendering the Kafka chart values (done on every preview) against a JSON round trip of the
 *    same object, and the heap held by 1,000 renders.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import axios from "axios";
import { buildKafkaValues } from "../components/platform/kafka";
import { request } from "../connectors/http";

interface Figures {
    readonly opsPerSec: number;
    readonly p50Ms: number;
    readonly p99Ms: number;
}

async function measure(n: number, op: () => unknown): Promise<Figures> {
    for (let i = 0; i < Math.min(200, n / 10); i++) await op(); // warm-up
    const times: number[] = [];
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
        const t = process.hrtime.bigint();
        await op();
        times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const total = Number(process.hrtime.bigint() - start) / 1e9;
    times.sort((a, b) => a - b);
    return {
        opsPerSec: n / total,
        p50Ms: times[Math.floor(n * 0.5)],
        p99Ms: times[Math.floor(n * 0.99)],
    };
}

function row(label: string, f: Figures): string {
    return `${label.padEnd(34)} ${f.opsPerSec.toFixed(0).padStart(9)} ops/s   p50 ${f.p50Ms.toFixed(3)} ms   p99 ${f.p99Ms.toFixed(3)} ms`;
}

async function benchHttp(n: number): Promise<void> {
    const body = JSON.stringify({
        name: "sink",
        config: { "connector.class": "X", "tasks.max": "1" },
        tasks: [],
        type: "sink",
    });
    const server = createServer((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/connectors/sink`;
    try {
        const base = await measure(n, () => axios.get(url, { timeout: 5000 }));
        const ours = await measure(n, () => request({ method: "GET", url, timeoutMs: 5000 }));
        console.log(`# HTTP GET against a local server, ${n} sequential requests`);
        console.log(row("baseline: axios.get", base));
        console.log(row("connectors/http request()", ours));
        console.log(
            `ratio (helper / baseline throughput): ${(ours.opsPerSec / base.opsPerSec).toFixed(3)}`,
        );
    } finally {
        server.close();
    }
}

async function benchChartValues(n: number): Promise<void> {
    const image = {
        registry: "docker.io",
        repository: "bitnamilegacy/kafka",
        tag: "4.0.0-debian-12-r10",
    };
    const args = {
        namespace: "ingest",
        replicas: 3,
        externalNodePort: 30092,
        resources: { cpuRequest: "1", memoryRequest: "4Gi", cpuLimit: "2", memoryLimit: "6Gi" },
        images: { kafka: image, osShell: image, kubectl: image, jmxExporter: image },
    };
    const inputs = { fullname: "kafka", kraftSecretName: "kafka-kraft" };
    const sample = buildKafkaValues(args, inputs);
    const base = await measure(n, () => JSON.parse(JSON.stringify(sample)) as unknown);
    const ours = await measure(n, () => buildKafkaValues(args, inputs));
    console.log(`# Kafka chart values, ${n} renders`);
    console.log(row("baseline: JSON round trip", base));
    console.log(row("buildKafkaValues()", ours));
    console.log(
        `ratio (render / baseline throughput): ${(ours.opsPerSec / base.opsPerSec).toFixed(3)}`,
    );
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    const kept = Array.from({ length: 1000 }, () => buildKafkaValues(args, inputs));
    global.gc?.();
    const perRender = (process.memoryUsage().heapUsed - before) / kept.length;
    console.log(
        `heap held per render: ${(perRender / 1024).toFixed(1)} KiB (${kept.length} renders kept)`,
    );
}

async function main(): Promise<void> {
    const n = Number(process.env.BENCH_N ?? 2000);
    await benchHttp(n);
    await benchChartValues(n * 10);
}

void main();
