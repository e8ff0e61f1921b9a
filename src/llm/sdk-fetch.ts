import { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';

/**
 * The `fetch` the LLM SDKs are given: undici's `request` behind a minimal Response.
 *
 * Why: WHATWG fetch wraps every request and response body in web streams, about twice the heap
 * and CPU per call (bench/micro/sdk-http.ts, bench/RESULTS.md), and a worker holds thousands open.
 *
 * It implements what the OpenAI and Anthropic SDKs read: status, ok, url, headers, json(), text()
 * and `body` as a web stream (created on first access).
 *
 * A response that is not an event stream is read whole before fetch resolves. The SDKs' timeout
 * timer runs only until fetch resolves, so this puts the body inside the deadline: a server that
 * sends headers and then stalls fails the call as a timeout instead of holding it forever.
 */
export type SdkFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

// undici's own 300 s headers and body timeouts would cut calls that LLM_TIMEOUT_MAX_MS (600 s by
// default) allows; the per-call deadline (the SDK's timeout, or withDeadline for streams) is the one timeout.
const defaultDispatcher = () => new Agent({ keepAliveTimeout: 10_000, headersTimeout: 0, bodyTimeout: 0 });

/**
 * Sees every response's headers (any status) with the request body that asked for it: the
 * providers read their rate-limit headers here, streamed or not, answered or refused.
 */
export type ResponseObserver = (requestBody: string | undefined, header: (name: string) => string | undefined) => void;

export function createSdkFetch(onResponse?: ResponseObserver, dispatcher: Dispatcher = defaultDispatcher()): SdkFetch {
  // Not async, for the same reason as the providers: no suspended frame per held call.
  return (input, init = {}) => {
    const body = init.body;
    // The SDKs send a URL and a JSON string; anything else (uploads, streams) takes the standard path.
    if (input instanceof Request || (body != null && typeof body !== 'string')) return fetch(input, init);
    const url = String(input);
    return request(url, {
      method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
      headers: toHeaderRecord(init.headers),
      body: body ?? undefined,
      signal: init.signal ?? undefined,
      dispatcher,
    }).then((res) => {
      try {
        onResponse?.(body ?? undefined, (name) => {
          const value = res.headers[name];
          return Array.isArray(value) ? value[0] : value;
        });
      } catch {
        // What an observer makes of the headers never fails the call.
      }
      const streaming = String(res.headers['content-type'] ?? '').startsWith('text/event-stream');
      const response = (text?: string) =>
        new SdkResponse(url, res.statusCode, res.headers, res.body, text) as unknown as Response;
      return streaming ? response() : res.body.text().then(response);
    });
  };
}

class SdkResponse {
  readonly ok: boolean;
  readonly statusText = '';
  readonly headers = new Headers();
  private webBody?: ReadableStream<Uint8Array>;

  constructor(
    readonly url: string,
    readonly status: number,
    raw: Record<string, string | string[] | undefined>,
    private readonly nodeBody: Dispatcher.ResponseData['body'],
    /** The whole body, when it was read before fetch resolved. */
    private readonly bodyText?: string,
  ) {
    this.ok = status >= 200 && status < 300;
    for (const [name, value] of Object.entries(raw)) {
      if (Array.isArray(value)) for (const v of value) this.headers.append(name, v);
      else if (value !== undefined) this.headers.set(name, value);
    }
  }

  get body(): ReadableStream<Uint8Array> {
    const source = this.bodyText === undefined ? this.nodeBody : Readable.from([Buffer.from(this.bodyText)]);
    return (this.webBody ??= Readable.toWeb(source) as ReadableStream<Uint8Array>);
  }

  get bodyUsed(): boolean {
    return this.bodyText === undefined && this.nodeBody.bodyUsed;
  }

  json(): Promise<unknown> {
    if (this.bodyText === undefined) return this.nodeBody.json();
    try {
      return Promise.resolve(JSON.parse(this.bodyText));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  text(): Promise<string> {
    return this.bodyText === undefined ? this.nodeBody.text() : Promise.resolve(this.bodyText);
  }
}

function toHeaderRecord(headers: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  const all = headers instanceof Headers ? headers : new Headers(headers);
  all.forEach((value, name) => (out[name] = value));
  return out;
}
