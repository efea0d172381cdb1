/**
 * Seed 000's preprocessing of the Amazon sales CSV, as pure functions: prices such as "₹1,099"
 * and "64%" become numbers, `rating` is coerced (not a number → null), `rating_count` defaults
 * to 0. Where the seed's pandas code would crash the whole run (a price that is not a number) or
 * lose data silently, a row is rejected here with a reason instead.
 */

/** Columns of the real dataset, in its order. */
export const SALES_COLUMNS = [
    "product_id",
    "product_name",
    "category",
    "discounted_price",
    "actual_price",
    "discount_percentage",
    "rating",
    "rating_count",
    "about_product",
    "user_id",
    "user_name",
    "review_id",
    "review_title",
    "review_content",
    "img_link",
    "product_link",
] as const;

/** One column name. */
export type SalesColumn = (typeof SALES_COLUMNS)[number];

type NumericColumn =
    "discounted_price" | "actual_price" | "discount_percentage" | "rating" | "rating_count";

/** A preprocessed row, the JSON value produced to the `transactions` topic. */
export type SalesRecord = Record<Exclude<SalesColumn, NumericColumn>, string> & {
    discounted_price: number;
    actual_price: number;
    discount_percentage: number;
    rating: number | null;
    rating_count: number;
};

/** A row turned into a record, or the reason it was rejected. */
export type RowResult =
    | { readonly ok: true; readonly record: SalesRecord }
    | { readonly ok: false; readonly reason: string };

const PRICE_COLUMNS = ["discounted_price", "actual_price", "discount_percentage"] as const;

/**
 * The seed's `str.replace(r"[^\d.]", "")` then `float`: "₹1,099" → 1099, "64%" → 64. Undefined when
 * nothing numeric is left or more than one decimal point remains (the seed's `astype(float)` fails).
 */
export function parsePrice(text: string): number | undefined {
    const digits = text.replace(/[^\d.]/g, "");
    if (!/^(\d+\.?\d*|\.\d+)$/.test(digits)) return undefined;
    return Number(digits);
}

/**
 * pandas' `to_numeric(errors="coerce")`: a finite number or undefined. Thousands separators are
 * removed first: the real dataset writes rating counts as "24,269", which the seed coerced to
 * NaN and then to 0.
 */
export function coerceNumber(text: string): number | undefined {
    const t = text.trim().replace(/,(?=\d{3}(\D|$))/g, "");
    if (t === "" || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return undefined;
    return Number(t);
}

/**
 * The column positions of `header`, or the problem with it (missing or repeated columns).
 * Extra columns are allowed and ignored.
 */
export function headerIndex(header: readonly string[]): Map<SalesColumn, number> | string {
    const at = new Map<SalesColumn, number>();
    const names = header.map((h) => h.trim());
    const missing = SALES_COLUMNS.filter((c) => !names.includes(c));
    if (missing.length > 0) return `header lacks column(s) ${missing.join(", ")}`;
    for (const c of SALES_COLUMNS) {
        if (names.indexOf(c) !== names.lastIndexOf(c)) return `header repeats column ${c}`;
        at.set(c, names.indexOf(c));
    }
    return at;
}

/** Preprocesses one data row whose header had `width` fields and positions `at`. */
export function preprocessSalesRow(
    fields: readonly string[],
    at: Map<SalesColumn, number>,
    width: number,
): RowResult {
    if (fields.length !== width) {
        return { ok: false, reason: `expected ${width} fields, found ${fields.length}` };
    }
    const raw = {} as Record<SalesColumn, string>;
    for (const c of SALES_COLUMNS) raw[c] = fields[at.get(c)!] ?? "";
    if (raw.product_id.trim() === "") return { ok: false, reason: "product_id is empty" };
    const prices: Partial<Record<(typeof PRICE_COLUMNS)[number], number>> = {};
    for (const c of PRICE_COLUMNS) {
        const v = parsePrice(raw[c]);
        if (v === undefined) {
            return {
                ok: false,
                reason:
                    raw[c].trim() === ""
                        ? `${c} is empty`
                        : `${c} ${JSON.stringify(raw[c])} is not a number`,
            };
        }
        prices[c] = v;
    }
    return {
        ok: true,
        record: {
            ...raw,
            product_id: raw.product_id.trim(),
            discounted_price: prices.discounted_price!,
            actual_price: prices.actual_price!,
            discount_percentage: prices.discount_percentage!,
            rating: coerceNumber(raw.rating) ?? null,
            rating_count: coerceNumber(raw.rating_count) ?? 0,
        },
    };
}
