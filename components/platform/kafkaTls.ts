/**
 * `KafkaCertificates`: a private CA and one server certificate for the Kafka listeners, generated
 * once by a Pulumi dynamic provider and kept (keys as secrets) in the stack's state. Nothing is
 * generated at render time, so a `pulumi up` with unchanged inputs shows no diff; a change of the
 * names or validity replaces both (see README "Security" for rotation).
 *
 * Why not `@pulumi/tls`: its provider plugin cannot be installed on every machine that runs this
 * program (the engine tier runs without it), and a resource that only works under mocks is not
 * one to trust with the cluster's encryption. Keys come from Node's own `crypto` (RSA 2048, the
 * one key type every client here reads: the JVM's keytool, Node's TLS, the console's Go TLS);
 * node-forge, a pure-JavaScript library with no dependencies, builds and signs the X.509
 * structures. The tests check the result with Node's X509Certificate and with `openssl verify`.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { providerRef } from "../../connectors/providerRef";

/** Bumped whenever the generated certificates change shape, so existing ones are replaced. */
export const KAFKA_TLS_PROVIDER_VERSION = "1";

/** Inputs of {@link KafkaCertificates} after `check`. */
export interface KafkaTlsInputs {
    /** Common name of the CA (e.g. `ingest-kafka-ca`). */
    commonName: string;
    /** DNS subject alternative names of the server certificate (wildcards allowed). */
    dnsNames: string[];
    /** IP subject alternative names of the server certificate. */
    ipAddresses: string[];
    /** Validity of the CA, in days. */
    caValidityDays: number;
    /** Validity of the server certificate, in days. */
    serverValidityDays: number;
    providerVersion: string;
}

/** The generated PEM material. `caKey` and `serverKey` are secrets. */
export interface KafkaTlsOutputs extends KafkaTlsInputs {
    caCert: string;
    caKey: string;
    serverCert: string;
    serverKey: string;
    /** Expiry of the server certificate (ISO 8601), for the operator's calendar. */
    serverNotAfter: string;
}

/** `check`: every invalid input at once, naming the property. */
export function checkKafkaTls(news: Record<string, unknown>): pulumi.dynamic.CheckResult {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    const inputs: Record<string, unknown> = {
        ...news,
        ipAddresses: news.ipAddresses ?? [],
        caValidityDays: news.caValidityDays ?? 3650,
        serverValidityDays: news.serverValidityDays ?? 825,
        providerVersion: news.providerVersion ?? KAFKA_TLS_PROVIDER_VERSION,
    };
    const dns = news.dnsNames;
    if (!Array.isArray(dns) || dns.length === 0) {
        failures.push({ property: "dnsNames", reason: "dnsNames must list at least one name" });
    } else {
        for (const d of dns) {
            if (typeof d !== "string" || !/^(\*\.)?[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(d)) {
                failures.push({ property: "dnsNames", reason: `"${String(d)}" is not a DNS name` });
            }
        }
    }
    for (const ip of inputs.ipAddresses as unknown[]) {
        if (typeof ip !== "string" || !/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) {
            failures.push({
                property: "ipAddresses",
                reason: `"${String(ip)}" is not an IPv4 address`,
            });
        }
    }
    for (const key of ["caValidityDays", "serverValidityDays"] as const) {
        const v = inputs[key];
        if (!(Number.isInteger(v) && (v as number) >= 1)) {
            failures.push({ property: key, reason: `${key} must be a whole number of days` });
        }
    }
    if (typeof news.commonName !== "string" || news.commonName === "") {
        failures.push({ property: "commonName", reason: "commonName must be a non-empty string" });
    }
    return { inputs, failures };
}

/** Properties whose change replaces the certificates (nothing is updated in place). */
export function diffKafkaTls(olds: KafkaTlsInputs, news: KafkaTlsInputs): string[] {
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    return (
        [
            "commonName",
            "dnsNames",
            "ipAddresses",
            "caValidityDays",
            "serverValidityDays",
            "providerVersion",
        ] as const
    ).filter((k) => !same(olds[k], news[k]));
}

/**
 * A new CA and a server certificate it signs, valid from `now` (backdated five minutes for clock
 * skew). Pure apart from the key generation and serial numbers.
 */
export function generateKafkaTls(
    inputs: KafkaTlsInputs,
    now: Date = new Date(),
): Omit<KafkaTlsOutputs, keyof KafkaTlsInputs> {
    // Required here, not imported at module level: the dynamic provider is serialized.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const forge = require("node-forge") as typeof import("node-forge");
    const pki = forge.pki;
    const keyPair = () => {
        const { privateKey, publicKey } = generateKeyPairSync("rsa", {
            modulusLength: 2048,
            publicKeyEncoding: { type: "spki", format: "pem" },
            privateKeyEncoding: { type: "pkcs8", format: "pem" },
        });
        return {
            pem: privateKey,
            privateKey: pki.privateKeyFromPem(privateKey),
            publicKey: pki.publicKeyFromPem(publicKey),
        };
    };
    const notBefore = new Date(now.getTime() - 5 * 60_000);
    const days = (n: number) => new Date(notBefore.getTime() + n * 86_400_000);
    // Positive 128-bit serials (RFC 5280: unique per CA, at most 20 octets).
    const serial = () => "7" + randomBytes(15).toString("hex");

    const ca = keyPair();
    const caCert = pki.createCertificate();
    caCert.publicKey = ca.publicKey;
    caCert.serialNumber = serial();
    caCert.validity.notBefore = notBefore;
    caCert.validity.notAfter = days(inputs.caValidityDays);
    const caName = [{ name: "commonName", value: inputs.commonName }];
    caCert.setSubject(caName);
    caCert.setIssuer(caName);
    caCert.setExtensions([
        { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
        { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
        { name: "subjectKeyIdentifier" },
    ]);
    caCert.sign(ca.privateKey, forge.md.sha256.create());

    const server = keyPair();
    const cert = pki.createCertificate();
    cert.publicKey = server.publicKey;
    cert.serialNumber = serial();
    cert.validity.notBefore = notBefore;
    // A server certificate never outlives its CA.
    cert.validity.notAfter = days(Math.min(inputs.serverValidityDays, inputs.caValidityDays));
    cert.setSubject([{ name: "commonName", value: inputs.dnsNames[0] }]);
    cert.setIssuer(caName);
    cert.setExtensions([
        { name: "basicConstraints", cA: false, critical: true },
        { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
        // Brokers are also TLS clients of each other (inter-broker and controller listeners).
        { name: "extKeyUsage", serverAuth: true, clientAuth: true },
        {
            name: "subjectAltName",
            altNames: [
                ...inputs.dnsNames.map((value) => ({ type: 2, value })),
                ...inputs.ipAddresses.map((ip) => ({ type: 7, ip })),
            ],
        },
        { name: "subjectKeyIdentifier" },
        {
            name: "authorityKeyIdentifier",
            keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes(),
        },
    ]);
    cert.sign(ca.privateKey, forge.md.sha256.create());

    return {
        caCert: pki.certificateToPem(caCert),
        caKey: ca.pem,
        serverCert: pki.certificateToPem(cert),
        serverKey: server.pem,
        serverNotAfter: cert.validity.notAfter.toISOString(),
    };
}

/** The dynamic provider: generates on create, keeps the state as it is on every later run. */
export const kafkaTlsProvider: pulumi.dynamic.ResourceProvider = {
    check(_olds: Record<string, unknown>, news: Record<string, unknown>) {
        return Promise.resolve(checkKafkaTls(news));
    },
    diff(_id: string, olds: KafkaTlsOutputs, news: KafkaTlsInputs) {
        const replaces = diffKafkaTls(olds, news);
        return Promise.resolve({ changes: replaces.length > 0, replaces });
    },
    create(inputs: KafkaTlsInputs) {
        const outs: KafkaTlsOutputs = { ...inputs, ...generateKafkaTls(inputs) };
        return Promise.resolve({ id: randomBytes(8).toString("hex"), outs });
    },
    // Nothing lives outside the state: reading it back is the state itself.
    read(id: string, props: KafkaTlsOutputs) {
        return Promise.resolve({ id, props });
    },
};

/** Arguments for {@link KafkaCertificates}. */
export interface KafkaCertificatesArgs {
    /** Common name of the CA. */
    readonly commonName: pulumi.Input<string>;
    /** DNS names the brokers are reached by (the first is also the subject's CN). */
    readonly dnsNames: pulumi.Input<pulumi.Input<string>[]>;
    /** IP addresses the brokers are reached by (e.g. a NodePort on 127.0.0.1). Defaults to none. */
    readonly ipAddresses?: pulumi.Input<pulumi.Input<string>[]>;
    /** Validity of the CA in days. Defaults to 3650. */
    readonly caValidityDays?: pulumi.Input<number>;
    /** Validity of the server certificate in days. Defaults to 825. */
    readonly serverValidityDays?: pulumi.Input<number>;
}

/** A private CA and the Kafka server certificate it signs; private keys are secret outputs. */
export class KafkaCertificates extends pulumi.dynamic.Resource {
    /** CA certificate (PEM): what every client trusts. */
    declare readonly caCert: pulumi.Output<string>;
    /** Server certificate (PEM). */
    declare readonly serverCert: pulumi.Output<string>;
    /** Server private key (PKCS#8 PEM); secret. */
    declare readonly serverKey: pulumi.Output<string>;
    /** Expiry of the server certificate. */
    declare readonly serverNotAfter: pulumi.Output<string>;

    constructor(name: string, args: KafkaCertificatesArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            // A small shim in state; it loads kafkaTlsProvider from this module at run time.
            providerRef("components/platform/kafkaTls", "kafkaTlsProvider"),
            name,
            {
                commonName: args.commonName,
                dnsNames: args.dnsNames,
                ipAddresses: args.ipAddresses,
                caValidityDays: args.caValidityDays,
                serverValidityDays: args.serverValidityDays,
                providerVersion: KAFKA_TLS_PROVIDER_VERSION,
                caCert: undefined,
                caKey: undefined,
                serverCert: undefined,
                serverKey: undefined,
                serverNotAfter: undefined,
            },
            {
                ...opts,
                additionalSecretOutputs: [
                    ...(opts?.additionalSecretOutputs ?? []),
                    "caKey",
                    "serverKey",
                ],
            },
            "ingest",
            "KafkaCertificates",
        );
    }
}
