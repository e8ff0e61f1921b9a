import type { ProviderName } from '../config/llm-route.js';
import type { RateLimits } from '../config/llm-settings.js';
import type { Logger } from '../lib/logger.js';
import { LlmError } from '../llm/llm-error.js';
import type { CallGate } from '../llm/provider.js';
import type { QuotaReport, QuotaState } from '../llm/quota-headers.js';
import type { BucketShape, SharedBuckets } from './shared-bucket.js';

type Limit = RateLimits[string];
type Kind = 'rpm' | 'tpm';

/** Processes tell each other the limits they learn from the providers' headers under this topic. */
export const LEARNED_LIMITS_TOPIC = 'llm.limits';

/**
 * Per kind: how many seconds' worth the bucket holds (the burst), and below how much of the quota
 * left a provider's headers count it as spent. The request bucket holds a tenth of a second's worth
 * (at least one: up to 600 a minute, no minute sees more than the limit; above, at most a tenth
 * of a second's more); the token bucket ten seconds' worth.
 */
const KINDS: readonly { kind: Kind; burstSeconds: number; spentBelow: (limit: number) => number }[] = [
  { kind: 'rpm', burstSeconds: 0.1, spentBelow: () => 1 },
  { kind: 'tpm', burstSeconds: 10, spentBelow: (limit) => limit / 100 },
];

/**
 * A stated limit is paced at 90 %: a window can see one call more than the rate (the bucket's
 * burst), and the same API key often serves other clients too.
 */
const learnedShare = (stated: number | undefined) => (stated ? Math.max(1, Math.floor(stated * 0.9)) : undefined);

const shapeOf = (perMinute: number, burstSeconds: number): BucketShape => ({
  capacity: Math.max(1, Math.floor((perMinute / 60) * burstSeconds)),
  perSecond: perMinute / 60,
});

/** The process-to-process fan-out learned limits travel on (the event bus). */
export interface LimitShare {
  publish(topic: string, payload: object): void;
  subscribe(pattern: string, handler: (topic: string, payload: unknown) => void): Promise<() => void>;
}

export interface ModelLimitOptions {
  /** Learn limits from the providers' rate-limit headers (for models the config sets none for). */
  learn: boolean;
  /** Shares learned limits with the other processes. */
  bus?: LimitShare;
  log?: Logger;
}

/**
 * Requests and tokens per minute per model (`provider:model`) or provider, shared by every worker
 * through the token buckets in PostgreSQL: a call over the limit waits for its turn instead of
 * collecting a 429. Limits come from the config and, for models it does not limit, from the
 * providers' own headers (`x-ratelimit-limit-*`, `anthropic-ratelimit-*-limit`), learned from any
 * response and announced to every process. When a response says a quota is spent (none left, or
 * under 1 % of the tokens), its bucket is emptied until the provider's reset time, for every process.
 * Calls of one process queue in order per model, so only the first of them asks the database,
 * and tokens are leased in chunks.
 */
export function createModelLimits(buckets: SharedBuckets, limits: RateLimits, options: ModelLimitOptions) {
  const queues = new Map<string, Promise<void>>();
  const learned = new Map<string, Limit>();
  /** Until when this process last emptied each bucket: one statement per spent quota, not per response. */
  const heldUntil = new Map<string, number>();
  let unsubscribe: (() => void) | undefined;

  const limitOf = (provider: string, model: string): [string, Limit] | undefined => {
    const exact = `${provider}:${model}`;
    if (limits[exact]) return [exact, limits[exact]];
    if (limits[provider]) return [provider, limits[provider]];
    const found = learned.get(exact);
    return found ? [exact, found] : undefined;
  };

  async function take(key: string, limit: Limit, tokens: number, signal?: AbortSignal): Promise<void> {
    for (const { kind, burstSeconds } of KINDS) {
      const perMinute = limit[kind];
      if (!perMinute) continue;
      const shape = shapeOf(perMinute, burstSeconds);
      const n = kind === 'rpm' ? 1 : tokens;
      // Leased in chunks of a twentieth of the burst (at most 100 requests): one statement per chunk.
      const chunk = Math.max(1, Math.floor(shape.capacity / 20));
      for (;;) {
        const taken = await buckets.take(
          `llm-${kind}:${key}`,
          Math.min(n, shape.capacity),
          shape,
          kind === 'rpm' ? Math.min(chunk, 100) : chunk,
        );
        if (taken.ok) break;
        // The next token comes within 1/perSecond; waiting longer would leave the limit unused.
        await pause(Math.min(taken.retryAfterSeconds * 1000, 1000 / shape.perSecond), signal, key);
      }
    }
  }

  /** Adopts a limit learned here or by another process; true when it is new or changed. */
  function adopt(key: string, limit: Limit): boolean {
    const current = learned.get(key);
    if (current?.rpm === limit.rpm && current?.tpm === limit.tpm) return false;
    learned.set(key, limit);
    options.log?.info({ model: key, ...limit }, 'rate limit learned from the provider');
    return true;
  }

  function hold(bucket: string, shape: BucketShape, state: QuotaState): void {
    const until = Date.now() + state.resetMs;
    if ((heldUntil.get(bucket) ?? 0) >= until - 100) return;
    heldUntil.set(bucket, until);
    buckets
      .hold(bucket, shape, state.resetMs)
      .catch((err: unknown) => options.log?.warn({ err }, 'could not hold a spent quota'));
  }

  const gate: CallGate = {
    admit(provider, model, tokens, signal) {
      const found = limitOf(provider, model);
      if (!found) return undefined;
      const [key, limit] = found;
      const turn = (queues.get(key) ?? Promise.resolve()).then(() => take(key, limit, tokens, signal));
      const settled = turn.catch(() => {});
      queues.set(key, settled);
      void settled.then(() => {
        if (queues.get(key) === settled) queues.delete(key);
      });
      return turn;
    },

    observe(provider: ProviderName, model: string, report: QuotaReport) {
      const key = `${provider}:${model}`;
      if (options.learn && !limits[key] && !limits[provider]) {
        const limit: Limit = { rpm: learnedShare(report.requests?.limit), tpm: learnedShare(report.tokens?.limit) };
        if ((limit.rpm || limit.tpm) && adopt(key, limit)) options.bus?.publish(LEARNED_LIMITS_TOPIC, { key, ...limit });
      }
      const found = limitOf(provider, model);
      if (!found) return;
      for (const { kind, burstSeconds, spentBelow } of KINDS) {
        const state = kind === 'rpm' ? report.requests : report.tokens;
        const perMinute = found[1][kind];
        if (!state || !perMinute || state.remaining >= spentBelow(state.limit ?? perMinute)) continue;
        hold(`llm-${kind}:${found[0]}`, shapeOf(perMinute, burstSeconds), state);
      }
    },
  };

  return {
    ...gate,
    /** Listens for the limits other processes learn. */
    async start(): Promise<void> {
      if (!options.learn || !options.bus) return;
      unsubscribe = await options.bus.subscribe(LEARNED_LIMITS_TOPIC, (_topic, payload) => {
        const { key, rpm, tpm } = payload as { key?: unknown; rpm?: unknown; tpm?: unknown };
        const count = (v: unknown) => (typeof v === 'number' && v > 0 ? v : undefined);
        if (typeof key === 'string' && (count(rpm) || count(tpm))) adopt(key, { rpm: count(rpm), tpm: count(tpm) });
      });
    },
    stop(): void {
      unsubscribe?.();
    },
  };
}

export type ModelLimits = ReturnType<typeof createModelLimits>;

function pause(ms: number, signal: AbortSignal | undefined, key: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const abort = () => {
      clearTimeout(timer);
      reject(
        new LlmError('aborted', `call aborted while waiting for the rate limit of ${key}`, { provider: key.split(':')[0]! }),
      );
    };
    if (signal?.aborted) return abort();
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', abort, { once: true });
  });
}
