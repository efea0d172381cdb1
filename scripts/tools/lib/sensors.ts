/**
 * Seed 003's sensor envelope, as the ksqlDB `STREAM_INGESTION` reads it (see INGESTION_COLUMNS in
 * components/pipelines/sensorRouting.ts): `payload` is a JSON string whose `sensor_id` the
 * per-sensor streams filter on, with `correlation_id`, `created_at` (epoch seconds) and
 * `schema_version`. The record key is the sensor id, so one sensor's readings share a partition.
 */
import { randomUUID } from "node:crypto";
import type { OutRecord } from "./batches";

/** The reading inside `payload`. */
export interface SensorReading {
    readonly sensor_id: string;
    readonly modality: "wattage";
    readonly unit: "W";
    readonly value: number;
    /** Per-sensor sequence number, from 0: lets a consumer check order. */
    readonly seq: number;
}

/** The envelope produced to `INGESTION` (lower-case keys; ksqlDB matches them case-insensitively). */
export interface SensorEnvelope {
    readonly payload: string;
    readonly correlation_id: string;
    readonly created_at: number;
    readonly schema_version: number;
}

/** The record for reading `seq` of `sensorId`, taken at `nowMs`. */
export function sensorRecord(
    sensorId: string,
    seq: number,
    value: number,
    nowMs = Date.now(),
): OutRecord {
    const reading: SensorReading = {
        sensor_id: sensorId,
        modality: "wattage",
        unit: "W",
        value,
        seq,
    };
    const envelope: SensorEnvelope = {
        payload: JSON.stringify(reading),
        correlation_id: randomUUID(),
        created_at: nowMs / 1000,
        schema_version: 1,
    };
    return { key: sensorId, value: JSON.stringify(envelope) };
}

/**
 * Sample rates per sensor: the given list cycled, or by default 1, 2, 5, 10 Hz in turn, so the
 * sensors differ as the seed's sources do.
 */
export function sensorRates(ids: readonly string[], rates: readonly number[] = [1, 2, 5, 10]) {
    return ids.map((id, i) => ({ id, hz: rates[i % rates.length] }));
}
