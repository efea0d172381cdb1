import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import {
    isSecretValue,
    ofType,
    one,
    plaintextOccurrences,
    recorded,
    settle,
    setupMocks,
    unmockedInvokes,
    unwrapSecret,
} from "../../helpers/mocks";
import { MOCK_PASSWORD, stackMockOptions } from "../../helpers/stack";

setupMocks(stackMockOptions);

const images = {
    kafka: { registry: "docker.io", repository: "bitnamilegacy/kafka", tag: "4.0.0-debian-12-r10" },
    osShell: {
        registry: "docker.io",
        repository: "bitnamilegacy/os-shell",
        tag: "12-debian-12-r51",
    },
    kubectl: {
        registry: "docker.io",
        repository: "bitnamilegacy/kubectl",
        tag: "1.33.4-debian-12-r0",
    },
    jmxExporter: {
        registry: "mirror.example",
        repository: "bitnamilegacy/jmx-exporter",
        tag: "1.4.0-debian-12-r0",
    },
};
const resources = { cpuRequest: "100m", memoryRequest: "1Gi", cpuLimit: "1", memoryLimit: "2Gi" };

describe("Kafka", () => {
    let mod: typeof import("../../../components/platform/kafka");
    before(async () => {
        mod = await import("../../../components/platform/kafka");
    });

    it("renders identical chart values twice (nothing random re-rendered on preview)", () => {
        const args = { namespace: "ingest", resources, images, seed: "p/dev/kafka", replicas: 3 };
        const a = mod.buildKafkaValues(args, { fullname: "kafka", kraftSecretName: "kafka-kraft" });
        const b = mod.buildKafkaValues(args, { fullname: "kafka", kraftSecretName: "kafka-kraft" });
        assert.deepEqual(a, b);
        assert.equal(JSON.stringify(a), JSON.stringify(b));
    });

    it("derives stable, distinct 22-character KRaft ids per seed", () => {
        const id = mod.derivedKraftId("ingest-platform/dev/kafka/cluster");
        assert.match(id, /^[A-Za-z0-9_-]{22}$/);
        assert.equal(id, mod.derivedKraftId("ingest-platform/dev/kafka/cluster"));
        assert.notEqual(id, mod.derivedKraftId("ingest-platform/prod/kafka/cluster"));
    });

    it("never derives an id starting with '-' (it would read as a command-line option)", () => {
        const firsts = new Set<string>();
        for (let i = 0; i < 2000; i++) firsts.add(mod.derivedKraftId(`seed-${i}`)[0]);
        assert.ok(
            [...firsts].every((c) => /[a-z]/.test(c)),
            [...firsts].join(""),
        );
        assert.ok(firsts.size > 20, "the first character still varies");
    });

    it("overrides every image and allows an image from a mirror", () => {
        const v = mod.buildKafkaValues(
            { namespace: "ingest", resources, images, metrics: true },
            { fullname: "kafka", kraftSecretName: "kafka-kraft" },
        ) as any;
        assert.deepEqual(v.image, images.kafka);
        assert.deepEqual(v.defaultInitContainers.volumePermissions.image, images.osShell);
        assert.deepEqual(v.defaultInitContainers.autoDiscovery.image, images.kubectl);
        assert.deepEqual(v.metrics.jmx.image, images.jmxExporter);
        assert.equal(v.metrics.jmx.enabled, true);
        assert.equal(v.global.security.allowInsecureImages, true);
        assert.equal(v.provisioning.enabled, false);
        assert.equal(v.existingKraftSecret, "kafka-kraft");
    });

    it("turns allowInsecureImages on only for a mirror, as chart 32.4.4's image check needs", () => {
        const legacy = { ...images, jmxExporter: { ...images.jmxExporter, registry: "docker.io" } };
        const values = (imgs: typeof images, allow?: boolean) =>
            (
                mod.buildKafkaValues(
                    { namespace: "ingest", resources, images: imgs, allowInsecureImages: allow },
                    { fullname: "kafka", kraftSecretName: "kafka-kraft" },
                ) as any
            ).global.security.allowInsecureImages;
        assert.equal(values(legacy), false, "docker.io/bitnamilegacy only warns");
        assert.equal(values(images), true, "one image from a mirror");
        const mirror = Object.fromEntries(
            Object.entries(legacy).map(([k, i]) => [k, mod.mirrored(i, "registry.example.com")]),
        ) as typeof images;
        assert.deepEqual(mirror.kafka, {
            registry: "registry.example.com",
            repository: "bitnamilegacy/kafka",
            tag: "4.0.0-debian-12-r10",
        });
        assert.equal(values(mirror), true);
        assert.equal(values(mirror, false), false, "an explicit setting wins");
        assert.equal(
            mod.needsInsecureImages([
                { registry: "docker.io", repository: "acme/kafka", tag: "1" },
            ]),
            true,
            "a repository outside bitnami/bitnamilegacy",
        );
        assert.deepEqual(mod.mirrored(legacy.kafka, undefined), legacy.kafka);
    });

    it("keeps the chart's Kafka listeners closed to unlabelled pods by default", () => {
        const v = mod.buildKafkaValues(
            { namespace: "ingest", resources, images },
            { fullname: "kafka", kraftSecretName: "kafka-kraft" },
        ) as any;
        assert.equal(v.networkPolicy.allowExternal, false);
        assert.equal(v.networkPolicy.allowExternalEgress, false);
        assert.deepEqual(v.networkPolicy.extraIngress, []);
        assert.equal(v.controller.podAntiAffinityPreset, "hard");
        assert.equal(v.broker.pdb.create, false);
        assert.equal(v.provisioning.serviceAccount.create, false);
    });

    it("gives each node its own NodePort on the external listener", () => {
        const v = mod.buildKafkaValues(
            {
                namespace: "ingest",
                resources,
                images,
                replicas: 3,
                externalNodePort: 31000,
                externalHost: "localhost",
            },
            { fullname: "kafka", kraftSecretName: "kafka-kraft" },
        ) as any;
        assert.deepEqual(v.externalAccess.controller.service, {
            type: "NodePort",
            nodePorts: [31000, 31001, 31002],
            domain: "localhost",
        });
    });

    it("lets user values override the defaults", () => {
        const v = mod.buildKafkaValues(
            {
                namespace: "ingest",
                resources,
                images,
                extraValues: { provisioning: { enabled: true } },
            },
            { fullname: "kafka", kraftSecretName: "kafka-kraft" },
        ) as any;
        assert.equal(v.provisioning.enabled, true);
    });

    it("registers the KRaft secret, SASL passwords as secrets, and the pinned OCI chart", async () => {
        const kafka = new mod.Kafka("kafka", {
            namespace: "ingest",
            resources,
            images,
            replicas: 3,
            security: "sasl",
            seed: "ingest-platform/prod/kafka",
        });
        await settle();
        const chart = one("kubernetes:helm.sh/v4:Chart", "kafka");
        assert.equal(chart.inputs.chart, "oci://registry-1.docker.io/bitnamicharts/kafka");
        assert.equal(chart.inputs.version, "32.4.4");
        const kraft = unwrapSecret<Record<string, string>>(
            one("kubernetes:core/v1:Secret", "kafka-kraft").inputs.stringData,
        );
        assert.deepEqual(Object.keys(kraft).sort(), [
            "cluster-id",
            "controller-0-id",
            "controller-1-id",
            "controller-2-id",
        ]);
        assert.equal(kraft["cluster-id"], kafka.clusterId);
        assert.equal(new Set(Object.values(kraft)).size, 4);
        assert.deepEqual(
            ofType("random:index/randomPassword:RandomPassword")
                .map((r) => r.name)
                .sort(),
            [
                // The operator keeps its original resource name, so its password survives.
                "kafka-client-password",
                "kafka-connect-password",
                "kafka-console-password",
                "kafka-controller-password",
                "kafka-flume-password",
                "kafka-inter-broker-password",
                "kafka-keystore-password",
                "kafka-ksqldb-password",
                "kafka-producer-password",
                "kafka-truststore-password",
            ],
        );
        assert.ok(isSecretValue(one("kubernetes:core/v1:Secret", "kafka-sasl").inputs.stringData));
        for (const r of recorded)
            assert.deepEqual(plaintextOccurrences(r.inputs, [MOCK_PASSWORD]), [], r.name);
        assert.equal(
            await new Promise((res) => kafka.bootstrapServers.apply(res)),
            "kafka.ingest.svc.cluster.local:9092",
        );
    });

    it("fails on an unmocked invoke instead of inventing a result", async () => {
        await assert.rejects(
            pulumi.runtime.invoke("kubernetes:helm:template", {}, {}) as Promise<unknown>,
        );
        assert.deepEqual(unmockedInvokes, ["kubernetes:helm:template"]);
    });
});
