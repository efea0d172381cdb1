/**
 * Record generators of seeds 001, 002 and 004, without network or third-party data: seed 002's
 * car transactions, seed 001's users (the shape its RandomUser transform produced), and seed
 * 004's Faker profiles for the `USERS` table.
 */
import { createHash, randomUUID } from "node:crypto";

const BUYERS = ["John Doe", "Jane Smith", "Alice Johnson", "Michael Brown", "Emily Davis"];
const CARS: Record<string, string[]> = {
    Toyota: ["Camry", "Corolla"],
    Ford: ["F-150", "Mustang"],
};
const COLORS = ["Red", "Blue", "Black"];
const COUNTRIES = ["USA", "Canada", "Germany"];
const BRANCHES = ["New York", "Toronto", "Berlin"];
const YEARS = [2015, 2016, 2017, 2018];

const pick = <T>(xs: readonly T[], rand: () => number): T => xs[Math.floor(rand() * xs.length)];

/** Seed 002's `generate_car_transaction()`. */
export function carTransaction(rand: () => number = Math.random) {
    const brand = pick(Object.keys(CARS), rand);
    return {
        transaction_id: randomUUID(),
        buyer_id: randomUUID(),
        buyer_name: pick(BUYERS, rand),
        car_brand: brand,
        car_model: pick(CARS[brand], rand),
        year: pick(YEARS, rand),
        color: pick(COLORS, rand),
        country: pick(COUNTRIES, rand),
        branch: pick(BRANCHES, rand),
        transaction_price: Math.round((20000 + rand() * 60000) * 100) / 100,
    };
}

const FIRST = ["Sarah", "Luis", "Terri", "Ahmed", "Mei", "Olga", "Kwame", "Ines"];
const LAST = ["Moran", "Garcia", "Nguyen", "Okafor", "Schmidt", "Rossi", "Kim", "Silva"];
const STREETS = ["Andrea Springs", "Dustin Ramp", "Miller Road", "Lake View", "Oak Street"];
const CITIES = ["West Tylerberg", "Port Luis", "Springfield", "Riverside", "Fairview"];
const JOBS = ["Physiotherapist", "Engineer", "Teacher", "Accountant", "Nurse", "Designer"];
const COMPANIES = ["Miller LLC", "Acme Inc", "Globex", "Initech", "Umbrella plc"];

/**
 * Seed 001's user after `transform_user_data`: name, gender, address, post code (hashed, as the
 * seed's `encrypt_zip` did), email, username, dob, registration date, phone, picture.
 */
export function createdUser(n: number, rand: () => number = Math.random) {
    const first = pick(FIRST, rand);
    const last = pick(LAST, rand);
    const username = `${first.toLowerCase()}${last.toLowerCase()}${n}`;
    const zip = String(10000 + Math.floor(rand() * 89999));
    const dob = new Date(
        Date.UTC(
            1950 + Math.floor(rand() * 50),
            Math.floor(rand() * 12),
            1 + Math.floor(rand() * 28),
        ),
    );
    return {
        name: `${first} ${last}`,
        gender: rand() < 0.5 ? "female" : "male",
        address: `${1 + Math.floor(rand() * 999)} ${pick(STREETS, rand)}, ${pick(CITIES, rand)}`,
        post_code: createHash("sha256").update(zip).digest("hex"),
        email: `${username}@example.com`,
        username,
        dob: dob.toISOString(),
        registered_date: new Date().toISOString(),
        phone: `+1-555-${String(Math.floor(rand() * 10000)).padStart(4, "0")}`,
        picture: `https://randomuser.me/api/portraits/${rand() < 0.5 ? "women" : "men"}/${Math.floor(rand() * 99)}.jpg`,
    };
}

/** A row of seed 004's `USERS` table (its Faker `simple_profile` plus a timestamp). */
export function userProfile(rand: () => number = Math.random) {
    const first = pick(FIRST, rand);
    const last = pick(LAST, rand);
    const street = () =>
        `${1 + Math.floor(rand() * 999)} ${pick(STREETS, rand)}\n${pick(CITIES, rand)}, ID ${10000 + Math.floor(rand() * 89999)}`;
    return {
        job: pick(JOBS, rand),
        company: pick(COMPANIES, rand),
        ssn: `${100 + Math.floor(rand() * 899)}-${10 + Math.floor(rand() * 89)}-${1000 + Math.floor(rand() * 8999)}`,
        residence: street(),
        username: `${first.toLowerCase()}${Math.floor(rand() * 100)}`,
        name: `${first} ${last}`,
        sex: rand() < 0.5 ? "F" : "M",
        address: street(),
        mail: `${first.toLowerCase()}.${last.toLowerCase()}@example.com`,
        birthdate: new Date(
            Date.UTC(
                1920 + Math.floor(rand() * 80),
                Math.floor(rand() * 12),
                1 + Math.floor(rand() * 28),
            ),
        )
            .toISOString()
            .slice(0, 10),
    };
}
