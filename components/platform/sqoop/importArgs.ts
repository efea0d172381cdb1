/**
 * The Sqoop import as a typed spec, and the pure function that turns it into the arguments of
 * the image's `sqoop-import` entrypoint (which adds the runtime-only `--bindir`, `--outdir` and
 * `--last-value`; see `components/platform/sqoop/sqoop-import.sh`).
 */

/** One incremental-append import of a table into an HDFS directory. */
export interface SqoopImportSpec {
    /** JDBC URL of the source database, e.g. `jdbc:postgresql://postgres:5432/telemetry`. */
    readonly connect: string;
    /** Database user. */
    readonly username: string;
    /** Password file as Sqoop reads it (`file:///...`): a path, never the password itself. */
    readonly passwordFile: string;
    /** Table to import. */
    readonly table: string;
    /** Columns to import, in file order except that the check column always comes first. */
    readonly columns: readonly string[];
    /** Integer column that only grows (the import's high-water mark). Defaults to `id`. */
    readonly checkColumn?: string;
    /** HDFS directory the rows are appended to. */
    readonly targetDir: string;
    /** Field delimiter, one character. Defaults to `,`. */
    readonly fieldDelimiter?: string;
    /** HDFS directory for Sqoop's temporary output. Defaults to `<targetDir>/_sqoop`. */
    readonly temporaryRootDir?: string;
    /**
     * Import only rows whose check column is above this. Unset in the component: the entrypoint
     * reads it from the data already in `targetDir`. Set it only to run Sqoop by hand.
     */
    readonly lastValue?: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function hasLineBreak(value: unknown): boolean {
    if (typeof value === "string") return /[\r\n]/.test(value);
    if (typeof value === "object" && value !== null) return Object.values(value).some(hasLineBreak);
    return false;
}

/** Every problem with `spec`, one message per problem naming the field; empty when valid. */
export function validateSqoopImport(spec: SqoopImportSpec): string[] {
    const problems: string[] = [];
    const check = spec.checkColumn ?? "id";
    if (!spec.connect.startsWith("jdbc:")) {
        problems.push(`connect "${spec.connect}" must be a JDBC URL (jdbc:...)`);
    }
    // A password in the URL would end up on the command line and in the pod spec.
    if (/[?&;:]password=/i.test(spec.connect)) {
        problems.push("connect must not carry a password; the password comes from passwordFile");
    }
    if (!spec.username) problems.push("username must not be empty");
    if (!spec.passwordFile.startsWith("file:///")) {
        problems.push(`passwordFile "${spec.passwordFile}" must be a local file URI (file:///...)`);
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(spec.table)) {
        problems.push(
            `table "${spec.table}" must be an unquoted identifier, optionally schema-qualified`,
        );
    }
    if (spec.columns.length === 0) problems.push("columns must list at least one column");
    for (const column of spec.columns) {
        if (!IDENTIFIER.test(column))
            problems.push(`column "${column}" must be an unquoted identifier`);
    }
    if (new Set(spec.columns).size !== spec.columns.length) problems.push("columns must be unique");
    if (!spec.columns.includes(check)) {
        problems.push(`checkColumn "${check}" must be one of columns (${spec.columns.join(", ")})`);
    }
    for (const [field, dir] of [
        ["targetDir", spec.targetDir],
        ["temporaryRootDir", spec.temporaryRootDir ?? "/"],
    ] as const) {
        if (!/^\/[^*?]*$/.test(dir))
            problems.push(`${field} "${dir}" must be an absolute HDFS path without globs`);
    }
    // The entrypoint reads the first field as a number: digits, '-' or '\' would corrupt it.
    const delimiter = spec.fieldDelimiter ?? ",";
    if (delimiter.length !== 1 || /[0-9\-\\\r\n]/.test(delimiter)) {
        problems.push(
            `fieldDelimiter "${delimiter}" must be one character other than a digit, '-', '\\' or a line break`,
        );
    }
    if (spec.lastValue !== undefined && !/^-?[0-9]+$/.test(spec.lastValue)) {
        problems.push(`lastValue "${spec.lastValue}" must be an integer`);
    }
    if (hasLineBreak(spec)) problems.push("values must not contain line breaks");
    return problems;
}

/**
 * Arguments of `sqoop import` for `spec`: an incremental append on the check column, written
 * first in every line, with line breaks inside text columns dropped, in one map task — the pod
 * runs MapReduce's local runner, for which Sqoop makes a single split whatever `--num-mappers`
 * says, so one file per run is moved into place in a single rename. The password travels only
 * as a file path.
 *
 * @throws Error listing every problem found by {@link validateSqoopImport}.
 */
export function sqoopImportArgs(spec: SqoopImportSpec): string[] {
    const problems = validateSqoopImport(spec);
    if (problems.length > 0) {
        throw new Error(`invalid Sqoop import of "${spec.table}":\n  - ${problems.join("\n  - ")}`);
    }
    const check = spec.checkColumn ?? "id";
    const columns = [check, ...spec.columns.filter((c) => c !== check)];
    const targetDir = spec.targetDir.replace(/(.)\/+$/, "$1");
    return [
        "import",
        "--connect",
        spec.connect,
        "--username",
        spec.username,
        "--password-file",
        spec.passwordFile,
        "--table",
        spec.table,
        "--columns",
        columns.join(","),
        "--target-dir",
        targetDir,
        "--temporary-rootdir",
        spec.temporaryRootDir ?? `${targetDir === "/" ? "" : targetDir}/_sqoop`,
        "--incremental",
        "append",
        "--check-column",
        check,
        "--num-mappers",
        "1",
        "--fields-terminated-by",
        spec.fieldDelimiter ?? ",",
        "--hive-drop-import-delims",
        ...(spec.lastValue === undefined ? [] : ["--last-value", spec.lastValue]),
    ];
}
