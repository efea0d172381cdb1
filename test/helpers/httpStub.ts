/**
 * A real local HTTP server for provider tests: routes answer with scripted replies (consumed in
 * order, the last one repeating) or a handler, and every request is recorded. Tests exercise real
 * sockets, status codes and bodies instead of mocking the HTTP client.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

/** What a route answers. */
export interface StubReply {
    readonly status: number;
    /** JSON-encoded unless a string. */
    readonly body?: unknown;
    readonly headers?: Record<string, string>;
    /** Wait this long before answering. */
    readonly delayMs?: number;
    /** Drop the connection without answering (a reset while a write is in flight). */
    readonly destroy?: boolean;
}

/** One request the stub received. */
export interface StubRequest {
    readonly method: string;
    readonly path: string;
    readonly query: URLSearchParams;
    /** Parsed JSON body, the raw text if not JSON, `undefined` if empty. */
    readonly body: unknown;
    /** The body exactly as received. */
    readonly raw: string;
    readonly headers: http.IncomingHttpHeaders;
}

/** Computes the reply to one request. */
export type Handler = (req: StubRequest) => StubReply | Promise<StubReply>;

/** One request forwarded by {@link forwardTo} and what came back (0 = no response). */
export interface Forwarded {
    readonly method: string;
    readonly path: string;
    readonly status: number;
    readonly message?: string;
}

/**
 * A handler that forwards every request to a real server at `target` and logs each status, so a
 * test can count what the client saw (e.g. 409s during a rebalance). When the server cannot be
 * reached the client's connection is dropped, as a reset would be.
 */
export function forwardTo(target: string, log: Forwarded[]): Handler {
    return async (req) => {
        const query = req.query.toString();
        const url = `${target}${encodeURI(req.path)}${query ? `?${query}` : ""}`;
        try {
            const type = req.headers["content-type"];
            const res = await fetch(url, {
                method: req.method,
                headers: type ? { "Content-Type": type } : {},
                body: req.raw === "" ? undefined : req.raw,
            });
            const text = await res.text();
            const message =
                res.status >= 400 ? (parse(text) as { message?: string })?.message : undefined;
            log.push({ method: req.method, path: req.path, status: res.status, message });
            return { status: res.status, body: text };
        } catch (e) {
            const cause = (e as { cause?: { code?: string } }).cause?.code ?? String(e);
            log.push({ method: req.method, path: req.path, status: 0, message: cause });
            return { status: 0, destroy: true };
        }
    };
}

/** A scripted HTTP server on a free loopback port. */
export class HttpStub {
    readonly requests: StubRequest[] = [];
    private readonly routes = new Map<string, Handler>();
    private fallbackHandler?: Handler;

    private constructor(
        private readonly server: http.Server,
        readonly url: string,
    ) {}

    /** Starts a stub on 127.0.0.1, on `port` or a free one. */
    static async start(port = 0): Promise<HttpStub> {
        const holder: { stub?: HttpStub } = {};
        const server = http.createServer((req, res) => void holder.stub?.handle(req, res));
        await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
        const bound = (server.address() as AddressInfo).port;
        holder.stub = new HttpStub(server, `http://127.0.0.1:${bound}`);
        return holder.stub;
    }

    /** Answers `method path` with the replies in order (the last repeats) or with a handler. */
    route(method: string, path: string, replies: StubReply[] | Handler): this {
        if (Array.isArray(replies)) {
            const queue = [...replies];
            this.routes.set(`${method} ${path}`, () =>
                queue.length > 1 ? queue.shift()! : queue[0],
            );
        } else {
            this.routes.set(`${method} ${path}`, replies);
        }
        return this;
    }

    /** Answers every request that no {@link route} matches (e.g. a fake server's router). */
    fallback(handler: Handler): this {
        this.fallbackHandler = handler;
        return this;
    }

    /** Requests received for `method path`. */
    calls(method: string, path: string): StubRequest[] {
        return this.requests.filter((r) => r.method === method && r.path === path);
    }

    /** Forgets routes and recorded requests. */
    reset(): void {
        this.routes.clear();
        this.fallbackHandler = undefined;
        this.requests.length = 0;
    }

    /** Stops the server and drops open connections. */
    async close(): Promise<void> {
        this.server.closeAllConnections();
        await new Promise<void>((r) => this.server.close(() => r()));
    }

    private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const raw = Buffer.concat(chunks).toString("utf8");
        const u = new URL(req.url ?? "/", "http://stub");
        const recorded: StubRequest = {
            method: req.method ?? "GET",
            path: decodeURIComponent(u.pathname),
            query: u.searchParams,
            body: parse(raw),
            raw,
            headers: req.headers,
        };
        this.requests.push(recorded);
        const handler =
            this.routes.get(`${recorded.method} ${recorded.path}`) ?? this.fallbackHandler;
        const reply: StubReply = handler
            ? await handler(recorded)
            : {
                  status: 501,
                  body: { error_code: 501, message: `no stub for ${req.method} ${u.pathname}` },
              };
        if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
        if (reply.destroy) {
            req.socket.destroy();
            return;
        }
        const text =
            reply.body === undefined
                ? ""
                : typeof reply.body === "string"
                  ? reply.body
                  : JSON.stringify(reply.body);
        res.writeHead(reply.status, { "Content-Type": "application/json", ...reply.headers });
        res.end(text);
    }
}

function parse(raw: string): unknown {
    if (raw === "") return undefined;
    try {
        return JSON.parse(raw);
    } catch {
        return raw;
    }
}
