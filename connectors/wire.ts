/**
 * What dynamic-provider results must look like on the wire. The provider host sends every check,
 * create, read and update result to the engine as a protobuf Struct, which has no `undefined`:
 * `Struct.fromJavaScript` throws "Unexpected struct type." on one. Mocks never convert, so only
 * the real engine (or test/connectors/wireFormat.test.ts) shows it.
 */

/** The object without its `undefined` fields. */
export function withoutUndefined<T extends object>(value: T): T {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
