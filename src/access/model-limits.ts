import type { RateLimits } from '../config/llm-settings.js';
import { LlmError } from '../llm/llm-error.js';
import type { CallGate } from '../llm/provider.js';
import type { SharedBuckets } from './shared-bucket.js';

/**
 * Requests and tokens per minute per model (`provider:model`) or provider, shared by every worker
 * through the token buckets in PostgreSQL: a call over the limit waits for its turn instead of
 * collecting a 429. The request bucket holds a tenth of a second's worth (at least one: up to 600
 * a minute, no minute sees more than the limit; above, at most a tenth of a second's more); the
 * token bucket ten seconds' worth. Calls of one process queue in order per model, so only the
 * first of them asks the database, and tokens are leased in chunks.
 */
export function createModelLimits(buckets: SharedBuckets, limits: RateLimits): CallGate {
  const queues = new Map<string, Promise<void>>();
  const limitOf = (provider: string, model: string): [string, RateLimits[string]] | undefined => {
    const exact = `${provider}:${model}`;
    if (limits[exact]) return [exact, limits[exact]];
    return limits[provider] ? [provider, limits[provider]] : undefined;
  };

  async function take(key: string, limit: RateLimits[string], tokens: number, signal?: AbortSignal): Promise<void> {
    for (const [kind, perMinute, n, burstSeconds] of [
      ['rpm', limit.rpm, 1, 0.1],
      ['tpm', limit.tpm, tokens, 10],
    ] as const) {
      if (!perMinute) continue;
      const shape = { capacity: Math.max(1, Math.floor((perMinute / 60) * burstSeconds)), perSecond: perMinute / 60 };
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

  return {
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
  };
}

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
