/**
 * How the platform's in-cluster Kafka clients reach a `security: sasl` Kafka: SASL_SSL, trusting
 * the program's CA (mounted from the `kafka-ca` ConfigMap), with each client's SCRAM password in
 * a file it reads (a JAAS file for the JVM clients) rather than an environment variable.
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** Key of the CA certificate (PEM) in the `kafka-ca` ConfigMap clients mount. */
export const KAFKA_CA_KEY = "ca.crt";

/** Where a client pod mounts the Kafka CA certificate. */
export const KAFKA_CA_DIR = "/etc/kafka-ca";
/** The CA certificate file (PEM) inside {@link KAFKA_CA_DIR}. */
export const KAFKA_CA_PATH = `${KAFKA_CA_DIR}/${KAFKA_CA_KEY}`;

/** The client's volume and mount for the CA ConfigMap. */
export function kafkaCaVolume(caConfigMapName: pulumi.Input<string>): {
    volume: k8s.types.input.core.v1.Volume;
    mount: k8s.types.input.core.v1.VolumeMount;
} {
    return {
        volume: { name: "kafka-ca", configMap: { name: caConfigMapName } },
        mount: { name: "kafka-ca", mountPath: KAFKA_CA_DIR, readOnly: true },
    };
}

/** The login module of a SASL mechanism. */
export function saslLoginModule(mechanism: string | undefined): string {
    return (mechanism ?? "PLAIN").startsWith("SCRAM")
        ? "org.apache.kafka.common.security.scram.ScramLoginModule"
        : "org.apache.kafka.common.security.plain.PlainLoginModule";
}

/** JAAS string quoting: the generated passwords are alphanumeric, but never trust that. */
function jaasQuote(value: string): string {
    return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/**
 * The `KafkaClient` section of a JVM's JAAS file: Kafka clients without `sasl.jaas.config` log in
 * with it, so the password lives in a mounted file, not in the environment or the properties.
 */
export function kafkaClientJaasSection(
    mechanism: string | undefined,
    username: string,
    password: pulumi.Input<string>,
): pulumi.Output<string> {
    return pulumi
        .output(password)
        .apply((p) =>
            [
                "KafkaClient {",
                `  ${saslLoginModule(mechanism)} required`,
                `  username=${jaasQuote(username)}`,
                `  password=${jaasQuote(p)};`,
                "};",
                "",
            ].join("\n"),
        );
}

/**
 * Client properties (without prefix) for the JVM clients: protocol, mechanism and, with TLS, the
 * CA as a PEM truststore (Kafka reads PEM truststores natively since 2.7).
 */
export function javaClientProperties(
    protocol: string,
    mechanism: string | undefined,
    tls: boolean,
): Record<string, string> {
    return {
        "security.protocol": protocol,
        ...(protocol.startsWith("SASL") ? { "sasl.mechanism": mechanism ?? "PLAIN" } : {}),
        ...(tls ? { "ssl.truststore.type": "PEM", "ssl.truststore.location": KAFKA_CA_PATH } : {}),
    };
}

/** `security.protocol` → Confluent image environment names (`CONNECT_` + `SSL_TRUSTSTORE_TYPE`...). */
export function propertiesAsEnv(
    prefix: string,
    props: Record<string, string>,
): k8s.types.input.core.v1.EnvVar[] {
    return Object.entries(props).map(([k, value]) => ({
        name: prefix + k.toUpperCase().replace(/\./g, "_"),
        value,
    }));
}
