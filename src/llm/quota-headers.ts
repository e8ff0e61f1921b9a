import type { ProviderName } from '../config/llm-route.js';
import type { ResponseObserver } from './sdk-fetch.js';

/** One of a provider's limits as its response headers state it. */
export interface QuotaState {
  /** Per minute; undefined when the header is missing. */
  limit?: number;
  remaining: number;
  /** Until the quota is whole again. */
  resetMs: number;
}

/** What a response said about the caller's quota of requests and of tokens for the model it asked. */
export interface QuotaReport {
  requests?: QuotaState;
  tokens?: QuotaState;
}

type Header = (name: string) => string | undefined;

/**
 * The rate-limit headers of an OpenAI or Anthropic response (`x-ratelimit-*`,
 * `anthropic-ratelimit-*`); undefined when it carries none.
 */
export function readQuotaHeaders(provider: ProviderName, header: Header): QuotaReport | undefined {
  const read = provider === 'openai' ? openAi : provider === 'anthropic' ? anthropic : undefined;
  if (!read) return undefined;
  const requests = read(header, 'requests');
  const tokens = read(header, 'tokens');
  return requests || tokens ? { requests, tokens } : undefined;
}

/** `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`; resets are durations such as `1s`, `6m0s`, `20ms`. */
function openAi(header: Header, kind: 'requests' | 'tokens'): QuotaState | undefined {
  const remaining = count(header(`x-ratelimit-remaining-${kind}`));
  if (remaining === undefined) return undefined;
  return {
    limit: count(header(`x-ratelimit-limit-${kind}`)),
    remaining,
    resetMs: parseDuration(header(`x-ratelimit-reset-${kind}`)) ?? 60_000,
  };
}

/** `anthropic-ratelimit-{requests,tokens}-{limit,remaining,reset}`; resets are RFC 3339 times. */
function anthropic(header: Header, kind: 'requests' | 'tokens'): QuotaState | undefined {
  const remaining = count(header(`anthropic-ratelimit-${kind}-remaining`));
  if (remaining === undefined) return undefined;
  const reset = Date.parse(header(`anthropic-ratelimit-${kind}-reset`) ?? '');
  return {
    limit: count(header(`anthropic-ratelimit-${kind}-limit`)),
    remaining,
    resetMs: Number.isFinite(reset) ? Math.max(0, reset - Date.now()) : 60_000,
  };
}

function count(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** A Go-style duration (`1h2m3.5s`, `20ms`) in milliseconds; undefined when it is not one. */
export function parseDuration(value: string | undefined): number | undefined {
  if (!value || !/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(value)) return undefined;
  let ms = 0;
  for (const [, n, unit] of value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) ms += Number(n) * UNIT_MS[unit!]!;
  return Math.round(ms);
}

/** Receives what a provider's responses say of the quota of the model they answered for. */
export type QuotaListener = (model: string, report: QuotaReport) => void;

// The SDKs send compact JSON; a quote inside a string value is escaped, so only the key itself matches.
const MODEL_FIELD = /"model":"([^"\\]+)"/;

/** A fetch observer (sdk-fetch.ts) that reads `provider`'s rate-limit headers for `listener`. */
export function observeQuota(provider: ProviderName, listener: QuotaListener | undefined): ResponseObserver | undefined {
  if (!listener) return undefined;
  return (body, header) => {
    const report = readQuotaHeaders(provider, header);
    const model = report && body ? MODEL_FIELD.exec(body)?.[1] : undefined;
    if (model) listener(model, report!);
  };
}
