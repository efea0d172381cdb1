/**
 * Bytes each dynamic resource writes to the state, measured the way the engine receives them: one
 * resource of each type is constructed under Pulumi's mock runtime, and the `__provider` input the
 * SDK serialized for it (runtime.serializeFunction of the provider) is measured, with the size of
 * all its inputs as JSON. Runs as its own process (mocks are process-wide); prints one JSON line.
 */
import * as pulumi from "@pulumi/pulumi";

/** Per resource type: serialized provider bytes and all input bytes. */
export type StateBytes = Record<string, { provider: number; inputs: number }>;

const seen: { type: string; inputs: Record<string, unknown> }[] = [];

async function main(): Promise<void> {
    pulumi.runtime.setAllConfig({});
    await pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs) {
                seen.push({ type: args.type, inputs: args.inputs as Record<string, unknown> });
                return { id: `${args.name}-id`, state: args.inputs as Record<string, unknown> };
            },
            call() {
                return {};
            },
        },
        "bench",
        "bench",
        false,
    );
    // Imported after the mocks are in place, as the tests do.
    const c = await import("../../connectors");
    new c.KafkaConnector("sink", {
        connectUrl: "http://connect:8083",
        config: {
            "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
            "tasks.max": "1",
            topics: "t",
            file: "/tmp/out",
        },
    });
    new c.KafkaTopic("topic", {
        bootstrapServers: "kafka:9092",
        partitions: 3,
        replicationFactor: 1,
    });
    new c.KsqlStream("stream", {
        ksqlUrl: "http://ksqldb:8088",
        name: "READINGS",
        topic: "readings",
        valueFormat: "JSON",
        columns: [{ name: "ID", type: "VARCHAR" }],
    });
    new c.KsqlTable("table", {
        ksqlUrl: "http://ksqldb:8088",
        name: "TOTALS",
        from: "READINGS",
        select: ["ID", "COUNT(*) AS N"],
        groupBy: ["ID"],
    });
    new c.HdfsDirectory("dir", {
        webhdfsUrl: "http://namenode:9870",
        path: "/landing",
        user: "hdfs",
    });
    const acl = await import("../../connectors/kafkaAcl/resource");
    new acl.KafkaAcl("acl", {
        bootstrapServers: "kafka:9092",
        principal: "User:connect",
        bindings: [{ resourceType: "topic", name: "sales", pattern: "literal", operation: "READ" }],
    });
    const tls = await import("../../components/platform/kafkaTls");
    new tls.KafkaCertificates("certs", { commonName: "kafka", dnsNames: ["kafka"] });
    // Registrations are asynchronous (inputs are resolved first).
    for (let i = 0; i < 200 && seen.length < 7; i++) await new Promise((r) => setTimeout(r, 20));
    const out: StateBytes = {};
    for (const r of seen) {
        const type = r.type.split(":").pop() ?? r.type;
        // A provider holding secrets arrives as a secret wrapper around the same text.
        const raw = r.inputs.__provider;
        const provider =
            typeof raw === "object" && raw !== null && "value" in raw ? raw.value : raw;
        out[type] = {
            provider: typeof provider === "string" ? Buffer.byteLength(provider) : 0,
            inputs: Buffer.byteLength(JSON.stringify(r.inputs)),
        };
    }
    process.stdout.write(JSON.stringify(out) + "\n");
}

main().then(
    () => process.exit(0),
    (err: unknown) => {
        process.stderr.write(
            `${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
        );
        process.exit(1);
    },
);
