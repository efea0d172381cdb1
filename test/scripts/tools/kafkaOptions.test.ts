/** The data tools' Kafka security flags: SASL mechanism, password from the environment, TLS CA. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
    producerSettings,
    toolCommand,
    withKafkaOptions,
    type KafkaOptions,
} from "../../../scripts/tools/lib/cli";

const dir = mkdtempSync(join(tmpdir(), "kafka-options-"));
const kafka = { value: "127.0.0.1:9093", source: "flag --kafka" };

function parse(args: string[]): KafkaOptions {
    const cmd = withKafkaOptions(toolCommand("t", "test"), "topic")
        .exitOverride()
        .configureOutput({ writeErr: () => undefined });
    cmd.parse(args, { from: "user" });
    return cmd.opts<KafkaOptions>();
}

function settingsWith(password: string | undefined, o: KafkaOptions) {
    const saved = process.env.KAFKA_SASL_PASSWORD;
    if (password === undefined) delete process.env.KAFKA_SASL_PASSWORD;
    else process.env.KAFKA_SASL_PASSWORD = password;
    try {
        return producerSettings(o, kafka, "t");
    } finally {
        if (saved === undefined) delete process.env.KAFKA_SASL_PASSWORD;
        else process.env.KAFKA_SASL_PASSWORD = saved;
    }
}

void describe("data tools' Kafka security options", () => {
    after(() => rmSync(dir, { recursive: true, force: true }));

    void it("defaults to SCRAM-SHA-512 (prod's listeners) and no TLS", () => {
        const s = settingsWith("pw", parse(["--sasl-user", "producer"]));
        assert.deepEqual(s.sasl, {
            mechanism: "scram-sha-512",
            username: "producer",
            password: "pw",
        });
        assert.equal(s.tls, undefined);
        assert.equal(settingsWith(undefined, parse([])).sasl, undefined);
    });

    void it("takes another mechanism and refuses an unknown one", () => {
        const s = settingsWith("pw", parse(["--sasl-user", "u", "--sasl-mechanism", "plain"]));
        assert.equal(s.sasl?.mechanism, "plain");
        assert.throws(
            () => parse(["--sasl-mechanism", "gssapi"]),
            /must be plain, scram-sha-256 or scram-sha-512/,
        );
    });

    void it("needs the password in the environment, never a flag", () => {
        assert.throws(
            () => settingsWith(undefined, parse(["--sasl-user", "u"])),
            /--sasl-user needs the password in \$KAFKA_SASL_PASSWORD/,
        );
    });

    void it("reads --ca-file as the CA to trust, and names a missing or non-PEM file", () => {
        const ca = join(dir, "ca.crt");
        writeFileSync(ca, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
        assert.match(settingsWith(undefined, parse(["--ca-file", ca])).tls?.ca ?? "", /BEGIN/);
        const missing = join(dir, "nope.crt");
        assert.throws(
            () => settingsWith(undefined, parse(["--ca-file", missing])),
            new RegExp(`--ca-file ${missing}: ENOENT`),
        );
        const junk = join(dir, "junk.crt");
        writeFileSync(junk, "hello");
        assert.throws(
            () => settingsWith(undefined, parse(["--ca-file", junk])),
            /--ca-file .*junk\.crt: not a PEM certificate/,
        );
    });
});
