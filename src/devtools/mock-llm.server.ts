import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { answerOffline } from '../articles/step-catalog.js';
import { estimateTokens } from '../llm/text-analysis.js';
import { writeAnthropic, writeOpenAi, type Answer } from './mock-llm.protocols.js';

/** One scripted fault, consumed by the next matching request. */
export interface MockFault {
  /** HTTP status to answer with (429, 500, 529, 400, 401…). */
  status?: number;
  /** Retry-After header, in seconds. */
  retryAfterSec?: number;
  /** Never answer: the client must time out or abort. */
  hang?: boolean;
  /** Send the headers and the start of the body (JSON or event stream), then nothing more. */
  stallBody?: boolean;
  /** Only for this protocol; default both. */
  provider?: 'openai' | 'anthropic';
  /** Only for requests of this task (the system prompt's `Task: summary.`); default any. */
  task?: string;
  /** Only for requests whose body contains this text (e.g. `part 3 of`); default any. */
  bodyIncludes?: string;
  /** Streamed answers only: break the connection after this many pieces of text. */
  cutStreamAfterPieces?: number;
  /** How many requests this fault applies to (default 1). */
  times?: number;
}

export interface MockLlmStats {
  requests: number;
  /** Requests that asked for a streamed answer. */
  streamed: number;
  /** The system prompts of the latest answered requests (at most 100), oldest first. */
  systemPrompts: string[];
  /** The longest text (system prompt and messages, in characters) an answered request sent. */
  maxPromptChars: number;
  /** When the latest requests arrived, per protocol (ms since epoch, at most 1,000 each), oldest first. */
  arrivals: Record<'openai' | 'anthropic', number[]>;
  byProvider: Record<'openai' | 'anthropic', number>;
  byStatus: Record<string, number>;
  inFlight: number;
  maxInFlight: number;
}

export interface MockLlmServer {
  url: string;
  /** Base URL for the OpenAI SDK (`…/v1`). */
  openaiBaseUrl: string;
  /** Base URL for the Anthropic SDK. */
  anthropicBaseUrl: string;
  setLatency(ms: number): void;
  /** Pause before each streamed piece of text (a model writing), default 0. */
  setStreamPieceDelay(ms: number): void;
  /**
   * Answer 429 (Retry-After: 1) to a protocol's requests beyond `max` in any `windowMs`, and state
   * the quota in the provider's rate-limit headers (per minute, remaining, reset), as a provider does; null: none.
   */
  setRequestLimit(limit: { provider: 'openai' | 'anthropic'; max: number; windowMs: number } | null): void;
  script(faults: MockFault[]): void;
  stats(): MockLlmStats;
  reset(): void;
  stop(): Promise<void>;
}

/**
 * A mock of the OpenAI chat-completions and Anthropic messages HTTP APIs: JSON and streaming,
 * real `usage`, configurable latency, scripted 429/5xx/hangs. Control it in-process or over HTTP:
 * POST /_mock/latency {"ms":2000}, POST /_mock/stream {"pieceMs":20}, POST /_mock/script {"faults":[…]}, GET /_mock/stats, POST /_mock/reset.
 */
export async function startMockLlmServer(
  options: { port?: number; host?: string; latencyMs?: number } = {},
): Promise<MockLlmServer> {
  let latencyMs = options.latencyMs ?? 0;
  let pieceMs = 0;
  let requestLimit: { provider: 'openai' | 'anthropic'; max: number; windowMs: number } | null = null;
  let admitted: number[] = [];
  let faults: MockFault[] = [];
  let stats = emptyStats();
  const sockets = new Set<Socket>();

  const takeFault = (provider: 'openai' | 'anthropic', streaming: boolean, body: string): MockFault | undefined => {
    const task = /Task: ([a-z_]+)\./.exec(body)?.[1];
    const fault = faults.find(
      (f) =>
        (!f.provider || f.provider === provider) &&
        (!f.task || f.task === task) &&
        (!f.bodyIncludes || body.includes(f.bodyIncludes)) &&
        (f.cutStreamAfterPieces === undefined || streaming),
    );
    if (!fault) return undefined;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) faults = faults.filter((f) => f !== fault);
    return fault;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const path = (req.url ?? '').split('?')[0];
    if (path?.startsWith('/_mock/')) return control(path, req.method ?? 'GET', body, res);
    const provider = path === '/v1/chat/completions' ? 'openai' : path === '/v1/messages' ? 'anthropic' : undefined;
    if (!provider || req.method !== 'POST') return json(res, 404, { error: { message: `no route ${req.method} ${path}` } });

    const streaming = /"stream"\s*:\s*true/.test(body);
    // The counters of this request's period: a reset() while it runs must not make them negative.
    const counted = stats;
    counted.requests++;
    counted.arrivals[provider].push(Date.now());
    if (counted.arrivals[provider].length > 1_000) counted.arrivals[provider].shift();
    if (streaming) counted.streamed++;
    counted.byProvider[provider]++;
    counted.inFlight++;
    counted.maxInFlight = Math.max(counted.maxInFlight, counted.inFlight);
    res.on('close', () => counted.inFlight--);

    const key = req.headers['x-api-key'] ?? req.headers.authorization?.replace(/^Bearer /, '');
    let fault = takeFault(provider, streaming, body);
    if (requestLimit?.provider === provider) {
      const now = Date.now();
      admitted = admitted.filter((t) => t > now - requestLimit!.windowMs);
      if (admitted.length >= requestLimit.max) fault = { status: 429, retryAfterSec: 1 };
      else admitted.push(now);
      // The quota as the provider's headers state it: per minute, what is left, when a request frees up.
      const resetMs = admitted.length > 0 ? admitted[0]! + requestLimit.windowMs - now : 0;
      const quota = {
        limit: Math.round((requestLimit.max * 60_000) / requestLimit.windowMs),
        remaining: requestLimit.max - admitted.length,
      };
      if (provider === 'openai') {
        res.setHeader('x-ratelimit-limit-requests', quota.limit);
        res.setHeader('x-ratelimit-remaining-requests', quota.remaining);
        res.setHeader('x-ratelimit-reset-requests', `${resetMs}ms`);
      } else {
        res.setHeader('anthropic-ratelimit-requests-limit', quota.limit);
        res.setHeader('anthropic-ratelimit-requests-remaining', quota.remaining);
        res.setHeader('anthropic-ratelimit-requests-reset', new Date(now + resetMs).toISOString());
      }
    }
    const status = !key ? 401 : key === 'invalid' ? 401 : fault?.status;
    if (fault?.hang) return; // the socket stays open until the client gives up
    if (fault?.stallBody) {
      res.writeHead(200, { 'content-type': streaming ? 'text/event-stream' : 'application/json' });
      res.write(streaming ? ': stalled\n\n' : '{"id":"stalled","object":');
      return;
    }
    if (latencyMs > 0) await delay(latencyMs);
    if (status && status >= 400) {
      stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
      const headers: Record<string, string> =
        fault?.retryAfterSec !== undefined ? { 'retry-after': String(fault.retryAfterSec) } : {};
      return json(res, status, errorBody(provider, status, String(key ?? '')), headers);
    }

    let request: { model?: string; stream?: boolean; system?: unknown; messages?: { role: string; content: unknown }[] };
    try {
      request = JSON.parse(body) as typeof request;
    } catch {
      return json(res, 400, errorBody(provider, 400));
    }
    const messages = request.messages ?? [];
    const system = provider === 'anthropic' ? textOf(request.system) : textOf(messages.find((m) => m.role === 'system')?.content);
    const prompt = messages
      .filter((m) => m.role === 'user')
      .map((m) => textOf(m.content))
      .join('\n');
    stats.systemPrompts.push(system);
    stats.maxPromptChars = Math.max(stats.maxPromptChars, system.length + prompt.length);
    if (stats.systemPrompts.length > 100) stats.systemPrompts.shift();
    const text = answerOffline(system, prompt);
    const answer: Answer = {
      model: request.model ?? 'mock',
      text,
      inputTokens: estimateTokens(system + prompt),
      outputTokens: estimateTokens(text),
      stream: request.stream === true,
    };
    stats.byStatus[200] = (stats.byStatus[200] ?? 0) + 1;
    const pacing = { pieceMs, cutAfterPieces: fault?.cutStreamAfterPieces };
    if (provider === 'openai') await writeOpenAi(res, answer, pacing);
    else await writeAnthropic(res, answer, pacing);
  }

  function control(path: string, method: string, body: string, res: ServerResponse): void {
    const input = (body ? JSON.parse(body) : {}) as { ms?: number; pieceMs?: number; faults?: MockFault[] };
    if (path === '/_mock/stats') return json(res, 200, stats);
    if (path === '/_mock/latency' && method === 'POST') latencyMs = Number(input.ms ?? 0);
    else if (path === '/_mock/stream' && method === 'POST') pieceMs = Number(input.pieceMs ?? 0);
    else if (path === '/_mock/script' && method === 'POST') faults = [...(input.faults ?? [])];
    else if (path === '/_mock/reset' && method === 'POST') reset();
    else return json(res, 404, { error: 'unknown control' });
    json(res, 200, { ok: true });
  }

  function reset(): void {
    faults = [];
    stats = emptyStats();
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    openaiBaseUrl: `${url}/v1`,
    anthropicBaseUrl: url,
    setLatency: (ms) => (latencyMs = ms),
    setStreamPieceDelay: (ms) => (pieceMs = ms),
    setRequestLimit: (limit) => {
      requestLimit = limit;
      admitted = [];
    },
    script: (f) => (faults = f.map((x) => ({ ...x }))),
    stats: () => structuredClone(stats),
    reset,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function emptyStats(): MockLlmStats {
  return {
    requests: 0,
    streamed: 0,
    systemPrompts: [],
    maxPromptChars: 0,
    arrivals: { openai: [], anthropic: [] },
    byProvider: { openai: 0, anthropic: 0 },
    byStatus: {},
    inFlight: 0,
    maxInFlight: 0,
  };
}

/** A 401 echoes the key it was sent, as some OpenAI-compatible gateways do. */
function errorBody(provider: 'openai' | 'anthropic', status: number, key = ''): object {
  const [type, message] =
    status === 429
      ? ['rate_limit_error', 'Rate limit reached (mock)']
      : status === 529
        ? ['overloaded_error', 'Overloaded (mock)']
        : status === 401
          ? ['authentication_error', `Incorrect API key provided: ${key}`]
          : status >= 500
            ? ['api_error', 'Internal server error (mock)']
            : ['invalid_request_error', 'Bad request (mock)'];
  return provider === 'openai' ? { error: { message, type, code: null } } : { type: 'error', error: { type, message } };
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((b: { text?: string }) => b.text ?? '').join('');
  return '';
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
