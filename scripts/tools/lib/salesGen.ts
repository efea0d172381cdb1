/**
 * Synthetic rows shaped like the Amazon sales dataset (its 16 columns, its price and rating
 * formats, multi-line quoted reviews), with malformed rows mixed in at known lines so a test can
 * tell exactly which rows a producer must reject and why. Deterministic for a given seed.
 */
import { SALES_COLUMNS } from "./sales";

/** One generated CSV row. */
export interface GeneratedRow {
    /** The CSV text of the row, ending in a newline. */
    readonly text: string;
    /** Line where the row starts (the header is line 1). */
    readonly line: number;
    /** The reason a producer must reject it; undefined for a good row. */
    readonly malformed?: string;
}

/** Small seeded PRNG (mulberry32): the same seed gives the same file. */
export function prng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

const CATEGORIES = [
    "Computers&Accessories|Accessories&Peripherals|Cables&Accessories|Cables|USBCables",
    "Electronics|HomeTheater,TV&Video|Televisions|SmartTelevisions",
    "Electronics|Mobiles&Accessories|Smartphones&BasicMobiles|Smartphones",
    "Home&Kitchen|Kitchen&HomeAppliances|SmallKitchenAppliances|Kettles&HotWaterDispensers",
];
const PRODUCTS = ["USB-C Cable", "Smart TV 32in", "Phone 5G 128GB", "Electric Kettle 1.5L"];
const WORDS = ["good", "value", "fast", "sturdy", "works", "as described", "cheap", "nice"];

/** `"a,b"` quoting as the dataset (and RFC 4180) does it. */
export function csvField(v: string): string {
    return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** Indian-rupee price text as in the dataset: "₹1,099". */
export function rupees(n: number): string {
    return `₹${n.toLocaleString("en-IN")}`;
}

const MALFORMED = [
    { reason: "expected 16 fields, found 15", mutate: (f: string[]) => f.slice(0, 15) },
    { reason: "expected 16 fields, found 17", mutate: (f: string[]) => [...f, "extra"] },
    { reason: "product_id is empty", mutate: (f: string[]) => ["", ...f.slice(1)] },
    {
        reason: 'actual_price "N/A" is not a number',
        mutate: (f: string[]) => [...f.slice(0, 4), "N/A", ...f.slice(5)],
    },
    {
        reason: "discounted_price is empty",
        mutate: (f: string[]) => [...f.slice(0, 3), "", ...f.slice(4)],
    },
] as const;

/**
 * The header line, then `rows` data rows; every `malformedEvery`-th row (0 = none) is malformed,
 * cycling through the kinds above.
 */
export function* generateSales(
    rows: number,
    opts: { seed?: number; malformedEvery?: number } = {},
): Generator<GeneratedRow> {
    const rand = prng(opts.seed ?? 1);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
    let line = 1;
    yield { text: `${SALES_COLUMNS.join(",")}\n`, line };
    line += 1;
    let bad = 0;
    for (let i = 1; i <= rows; i++) {
        const p = Math.floor(rand() * PRODUCTS.length);
        const actual = 199 + Math.floor(rand() * 50_000);
        const discount = Math.floor(rand() * 90);
        const discounted = Math.round((actual * (100 - discount)) / 100);
        const id = `B0${(100000 + i).toString(36).toUpperCase().padStart(8, "0")}`;
        // Some ratings are not numbers (the real file has one "|"), some counts empty or "24,269".
        const rating = i % 97 === 0 ? "|" : (3 + rand() * 2).toFixed(1);
        const count = i % 53 === 0 ? "" : Math.floor(rand() * 50_000).toLocaleString("en-US");
        const review = Array.from({ length: 3 }, () => pick(WORDS)).join(" ");
        // Every 7th review spans two lines, as multi-line reviews do in the real file.
        const content = i % 7 === 0 ? `"${review}",\nsecond line, ${review}` : review;
        let fields = [
            id,
            `${PRODUCTS[p]} (${pick(WORDS)}, model ${i})`,
            CATEGORIES[p],
            rupees(discounted),
            rupees(actual),
            `${discount}%`,
            rating,
            count,
            `${review} | ${pick(WORDS)}`,
            `U${i}A${Math.floor(rand() * 1e6)},U${i}B`,
            `user${i},other${i}`,
            `R${i}X,R${i}Y`,
            `${pick(WORDS)},${pick(WORDS)}`,
            content,
            `https://m.media-amazon.com/images/I/${id}.jpg`,
            `https://www.amazon.in/dp/${id}`,
        ];
        let malformed: string | undefined;
        if (opts.malformedEvery && i % opts.malformedEvery === 0) {
            const kind = MALFORMED[bad % MALFORMED.length];
            bad += 1;
            fields = kind.mutate(fields);
            malformed = kind.reason;
        }
        const text = `${fields.map(csvField).join(",")}\n`;
        yield { text, line, malformed };
        line += text.slice(0, -1).split("\n").length;
    }
}
