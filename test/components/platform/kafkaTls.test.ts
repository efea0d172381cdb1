import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { X509Certificate, createPrivateKey, createPublicKey } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import {
    checkKafkaTls,
    diffKafkaTls,
    generateKafkaTls,
    kafkaTlsProvider,
    type KafkaTlsInputs,
} from "../../../components/platform/kafkaTls";

const inputs: KafkaTlsInputs = {
    commonName: "ingest-kafka-ca",
    dnsNames: [
        "kafka.ingest.svc.cluster.local",
        "*.kafka-controller-headless.ingest.svc.cluster.local",
    ],
    ipAddresses: ["127.0.0.1"],
    caValidityDays: 3650,
    serverValidityDays: 825,
    providerVersion: "1",
};

describe("KafkaCertificates", () => {
    const now = new Date("2026-11-30T10:00:00Z");
    const out = generateKafkaTls(inputs, now);
    const ca = new X509Certificate(out.caCert);
    const server = new X509Certificate(out.serverCert);

    it("makes a CA that signs a server certificate for the listed names and IPs", () => {
        assert.equal(ca.ca, true);
        assert.equal(server.ca, false);
        assert.ok(server.verify(ca.publicKey), "server certificate is signed by the CA");
        assert.ok(server.checkIssued(ca));
        assert.equal(
            server.checkHost("kafka.ingest.svc.cluster.local"),
            "kafka.ingest.svc.cluster.local",
        );
        assert.equal(
            server.checkHost(
                "kafka-controller-2.kafka-controller-headless.ingest.svc.cluster.local",
            ),
            "*.kafka-controller-headless.ingest.svc.cluster.local", // the SAN that matched
        );
        assert.equal(server.checkHost("kafka.other.svc.cluster.local"), undefined);
        assert.equal(server.checkIP("127.0.0.1"), "127.0.0.1");
        assert.equal(new Date(server.validTo).getTime(), new Date(out.serverNotAfter).getTime());
        // 825 days from the backdated start.
        const days =
            (new Date(server.validTo).getTime() - new Date(server.validFrom).getTime()) /
            86_400_000;
        assert.equal(Math.round(days), 825);
        assert.match(ca.subject, /CN=ingest-kafka-ca/);
    });

    it("pairs each private key (PKCS#8, RSA 2048) with its certificate", () => {
        assert.match(out.serverKey, /^-----BEGIN PRIVATE KEY-----/);
        const key = createPrivateKey(out.serverKey);
        assert.equal(key.asymmetricKeyType, "rsa");
        assert.equal(key.asymmetricKeyDetails?.modulusLength, 2048);
        assert.ok(server.checkPrivateKey(key));
        assert.ok(ca.checkPrivateKey(createPrivateKey(out.caKey)));
        assert.equal(
            createPublicKey(key).export({ type: "spki", format: "pem" }),
            server.publicKey.export({ type: "spki", format: "pem" }),
        );
    });

    it("passes openssl verify for server (and client) use at the given time", () => {
        const dir = mkdtempSync(path.join(tmpdir(), "kafka-tls-"));
        try {
            writeFileSync(path.join(dir, "ca.crt"), out.caCert);
            writeFileSync(path.join(dir, "tls.crt"), out.serverCert);
            const at = String(Math.floor(now.getTime() / 1000) + 60);
            for (const purpose of ["sslserver", "sslclient"]) {
                const said = execFileSync("openssl", [
                    "verify",
                    "-attime",
                    at,
                    "-purpose",
                    purpose,
                    "-CAfile",
                    path.join(dir, "ca.crt"),
                    path.join(dir, "tls.crt"),
                ]).toString();
                assert.match(said, /: OK/);
            }
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("generates once: an unchanged run has no diff, a changed name replaces", async () => {
        const created = await kafkaTlsProvider.create(inputs);
        const again = await kafkaTlsProvider.diff!(created.id, created.outs, { ...inputs });
        assert.deepEqual(again, { changes: false, replaces: [] });
        const read = await kafkaTlsProvider.read!(created.id, created.outs);
        assert.equal(read.props?.caCert, created.outs.caCert);
        const renamed = { ...inputs, dnsNames: ["kafka.prod.svc.cluster.local"] };
        assert.deepEqual(diffKafkaTls(created.outs, renamed), ["dnsNames"]);
        assert.deepEqual(diffKafkaTls(created.outs, { ...inputs, serverValidityDays: 90 }), [
            "serverValidityDays",
        ]);
    });

    it("check names every bad input", () => {
        const { failures } = checkKafkaTls({
            commonName: "",
            dnsNames: ["Bad_Name"],
            ipAddresses: ["::1x"],
            serverValidityDays: 0,
        });
        assert.deepEqual(failures?.map((f) => f.property).sort(), [
            "commonName",
            "dnsNames",
            "ipAddresses",
            "serverValidityDays",
        ]);
        assert.deepEqual(checkKafkaTls({ ...inputs }).failures, []);
    });
});
