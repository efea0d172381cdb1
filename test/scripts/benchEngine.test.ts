import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PhaseSeconds } from "../../scripts/bench/connectors";
import {
    ENGINE_STEPS,
    RAW_BASELINE,
    engineReport,
    expectChanges,
    floorReport,
    type EngineSeconds,
} from "../../scripts/bench/engine";

const engine = (k: number): EngineSeconds => ({
    create: 10 * k,
    preview: 2 * k,
    refresh: 3 * k,
    update: 12 * k,
    destroy: 4 * k,
});
const raw = (k: number): PhaseSeconds => ({ create: 2 * k, update: 3 * k, read: k, delete: k });

void describe("bench engine section", () => {
    void it("compares each engine step with the raw phase doing the same work", () => {
        assert.deepEqual(RAW_BASELINE, {
            create: "create",
            preview: undefined,
            refresh: "read",
            update: "update",
            destroy: "delete",
        });
        assert.deepEqual([...ENGINE_STEPS], ["create", "preview", "refresh", "update", "destroy"]);
    });

    void it("reports min/median/max and median ratios; the no-op preview has no ratio", () => {
        const lines = engineReport(
            100,
            [engine(3), engine(1), engine(2)],
            [raw(1), raw(5), raw(2)],
        );
        assert.match(lines[0], /^# engine N=100: .* min\/median\/max of 3$/);
        const ratios = lines.filter((l) => l.startsWith("ratio "));
        assert.deepEqual(ratios, [
            "ratio engine-create: 5.00 (N=100)", // 20 / 4
            "ratio engine-refresh: 3.00 (N=100)", // 6 / 2
            "ratio engine-update: 4.00 (N=100)", // 24 / 6
            "ratio engine-destroy: 4.00 (N=100)", // 8 / 2
        ]);
        const preview = lines.find((l) => l.startsWith("engine-preview"));
        assert.ok(preview);
        assert.match(preview, /engine 2\.00\/4\.00\/6\.00 s/);
        assert.match(preview, /target ≤ 10 s at N=100/);
        assert.doesNotMatch(preview, /raw/);
        const create = lines.find((l) => l.startsWith("engine-create"));
        assert.match(
            create ?? "",
            /engine 10\.00\/20\.00\/30\.00 s +raw create 2\.00\/4\.00\/10\.00 s/,
        );
    });

    void it("reports the no-op floor per step, as a share of the connector step and against raw", () => {
        const lines = floorReport(
            100,
            [engine(1), engine(0.5), engine(0.75)],
            [engine(3), engine(1), engine(2)],
            [raw(1), raw(5), raw(2)],
        );
        assert.match(lines[0], /^# engine floor N=100: .* no-op dynamic resources .* of 3$/);
        const create = lines.find((l) => l.startsWith("engine-floor-create"));
        // floor median 7.5 of the engine's 20: 38%.
        assert.match(create ?? "", /floor 5\.00\/7\.50\/10\.00 s +=  ?38% of engine-create$/);
        assert.deepEqual(
            lines.filter((l) => l.startsWith("ratio ")),
            [
                "ratio engine-floor-create: 1.88 (N=100)", // 7.5 / 4
                "ratio engine-floor-update: 1.50 (N=100)", // 9 / 6
                "ratio engine-floor-destroy: 1.50 (N=100)", // 3 / 2
            ],
        );
    });

    void it("accepts a step that did exactly its work, with or without the stack's root resource", () => {
        expectChanges("up (create)", { create: 100, same: 0 }, "create", 100);
        expectChanges("up (create)", { create: 101 }, "create", 100);
        expectChanges("destroy", { delete: 101 }, "delete", 100);
        expectChanges("preview", { same: 101 }, undefined, 0);
        expectChanges("refresh", undefined, undefined, 0);
    });

    void it("refuses a step that did something else, naming what it saw", () => {
        assert.throws(
            () => expectChanges("up (update)", { update: 99, same: 2 }, "update", 100),
            /engine up \(update\): changes update=99, expected update=100/,
        );
        assert.throws(
            () => expectChanges("up (update)", { update: 100, replace: 1 }, "update", 100),
            /changes update=100, replace=1/,
        );
        assert.throws(
            () => expectChanges("refresh", { update: 3, same: 97 }, undefined, 0),
            /engine refresh: changes update=3, expected none/,
        );
        assert.throws(
            () => expectChanges("up (create)", { same: 100 }, "create", 100),
            /changes none, expected create=100/,
        );
    });
});
