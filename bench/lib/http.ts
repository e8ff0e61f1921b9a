import { Agent, request } from 'undici';

// The load generator must cost as little as possible: it shares the two cores with the systems
// under test, and in an open loop its own stalls count as their latency. undici's `request` costs
// about half of `fetch` per call (bench/micro/sdk-http.ts).
const agent = new Agent({ keepAliveTimeout: 30_000 });

/** POSTs JSON and returns the parsed JSON answer. */
export async function postJson<T>(url: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
  const response = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    dispatcher: agent,
  });
  return (await response.body.json()) as T;
}
