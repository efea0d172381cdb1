import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";

/** Directory holding one `<profile>/pom.xml` per classpath profile. */
export const MAVEN_PROFILES_DIR = join(__dirname, "maven");

/** Where resolved classpaths are cached: outside the repository, keyed by a hash of the pom. */
export function classpathCacheDir(): string {
    const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
    return join(base, "ingest-platform", "classpath");
}

// One Maven run at a time per process: parallel runs writing the same ~/.m2 can corrupt it.
let mavenQueue: Promise<unknown> = Promise.resolve();

function runMaven(cwd: string, outputFile: string): Promise<void> {
    return new Promise((resolve, reject) => {
        const args = [
            "-q",
            "-B",
            "dependency:build-classpath",
            `-Dmdep.outputFile=${outputFile}`,
            "-Dmdep.includeScope=runtime",
        ];
        const child = spawn("mvn", args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
        child.on("error", (err) =>
            reject(new Error(`cannot run mvn (is Maven installed?): ${err.message}`)),
        );
        child.on("close", (code) => {
            if (code === 0) resolve();
            else
                reject(
                    new Error(
                        `mvn dependency:build-classpath in ${cwd} exited ${code}:\n${output}`,
                    ),
                );
        });
    });
}

/**
 * Resolves the runtime classpath of `scripts/services/maven/<profile>/pom.xml`.
 *
 * The first call per pom version runs `mvn dependency:build-classpath` (jars land in `~/.m2`);
 * the result is cached in {@link classpathCacheDir} as `<profile>-<sha256 of pom>.txt`, so later
 * calls cost a file read. A cached classpath whose jars have disappeared is resolved again.
 *
 * @param profile Name of a directory under `scripts/services/maven/` (e.g. `kafka`, `hadoop`).
 * @returns The classpath, entries joined with `:`.
 */
export async function javaClasspath(profile: string): Promise<string> {
    if (!/^[a-z0-9][a-z0-9._-]*$/i.test(profile)) {
        throw new Error(`invalid Maven classpath profile name "${profile}"`);
    }
    const dir = join(MAVEN_PROFILES_DIR, profile);
    const pom = join(dir, "pom.xml");
    if (!existsSync(pom)) {
        throw new Error(`no Maven classpath profile "${profile}": ${pom} does not exist`);
    }
    const hash = createHash("sha256")
        .update(await readFile(pom))
        .digest("hex")
        .slice(0, 16);
    const cacheDir = classpathCacheDir();
    const cacheFile = join(cacheDir, `${profile}-${hash}.txt`);

    if (existsSync(cacheFile)) {
        const cached = (await readFile(cacheFile, "utf8")).trim();
        if (cached && cached.split(":").every((jar) => existsSync(jar))) return cached;
    }

    const resolve = async (): Promise<string> => {
        await mkdir(cacheDir, { recursive: true });
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        await runMaven(dir, tmp);
        const classpath = (await readFile(tmp, "utf8")).trim();
        if (!classpath)
            throw new Error(`Maven resolved an empty classpath for profile "${profile}"`);
        // Atomic rename: concurrent resolutions of the same pom never expose a partial file.
        await writeFile(tmp, classpath);
        await rename(tmp, cacheFile);
        return classpath;
    };
    const result = mavenQueue.then(resolve, resolve);
    mavenQueue = result.catch(() => undefined);
    return result;
}
