/** Raw WebHDFS calls for real-service tests (the product's own client is connectors/webhdfs.ts). */
import axios from "axios";

/**
 * One WebHDFS call as `user` (simple auth); returns the body as text and throws on any status but
 * 200, with the server's answer in the message.
 */
export async function webhdfsCall(
    baseUrl: string,
    user: string,
    method: "GET" | "PUT",
    path: string,
    op: string,
    query = "",
): Promise<string> {
    const url = `${baseUrl}/webhdfs/v1${path}?op=${op}&user.name=${user}${query}`;
    const res = await axios.request({
        method,
        url,
        timeout: 30_000,
        validateStatus: () => true,
        responseType: "text",
        transformResponse: (d: unknown) => d,
    });
    if (res.status !== 200) {
        throw new Error(`WebHDFS ${method} ${op} ${path}: ${res.status} ${String(res.data)}`);
    }
    return String(res.data);
}
