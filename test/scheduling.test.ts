import { describe, expect, it } from 'vitest';
import { InputValidationError, NotFoundError } from '../src/lib/errors.js';
import { LlmError } from '../src/llm/llm-error.js';
import { pickPriority } from '../src/workers/priority-picker.js';
import { backoffMs, decide } from '../src/workers/retry-policy.js';

const none = { HIGH: null, NORMAL: null, LOW: null };

describe('priority picker', () => {
  it('takes HIGH, then NORMAL, then LOW', () => {
    expect(pickPriority({ HIGH: 1, NORMAL: 1, LOW: 1 }, { HIGH: 0, NORMAL: 0, LOW: 0 }, 10, 1_000)).toBe('HIGH');
    expect(pickPriority({ HIGH: 0, NORMAL: 1, LOW: 1 }, { ...none, NORMAL: 0, LOW: 0 }, 10, 1_000)).toBe('NORMAL');
    expect(pickPriority({ HIGH: 0, NORMAL: 0, LOW: 1 }, { ...none, LOW: 0 }, 10, 1_000)).toBe('LOW');
    expect(pickPriority({ HIGH: 0, NORMAL: 0, LOW: 0 }, none, 10, 1_000)).toBeUndefined();
  });

  it('serves a lower priority that has waited unserved for the aging bound, the most starved first', () => {
    const now = 10_000;
    expect(pickPriority({ HIGH: 5, NORMAL: 0, LOW: 3 }, { ...none, HIGH: now, LOW: now - 1_000 }, now, 1_000)).toBe('LOW');
    expect(pickPriority({ HIGH: 5, NORMAL: 2, LOW: 3 }, { HIGH: now, NORMAL: now - 1_500, LOW: now - 2_000 }, now, 1_000)).toBe(
      'LOW',
    );
    expect(pickPriority({ HIGH: 5, NORMAL: 2, LOW: 3 }, { HIGH: now, NORMAL: now - 999, LOW: now - 999 }, now, 1_000)).toBe(
      'HIGH',
    );
  });
});

describe('retry policy', () => {
  const settings = { backoffBaseMs: 1_000, backoffMaxMs: 60_000, deadlineMs: 3_600_000 };
  const attempt = (number: number, max = 5) => ({ number, max, shuttingDown: false });
  const llm = (kind: ConstructorParameters<typeof LlmError>[0], retryAfterMs?: number) =>
    new LlmError(kind, `${kind} happened`, { provider: 'openai', retryAfterMs });

  it('backs off exponentially with jitter, capped', () => {
    expect(backoffMs(1, settings, () => 1)).toBe(1_000);
    expect(backoffMs(3, settings, () => 1)).toBe(4_000);
    expect(backoffMs(3, settings, () => 0)).toBe(2_000);
    expect(backoffMs(20, settings, () => 1)).toBe(60_000);
  });

  it('retries transient failures while attempts remain, then fails with the reason', () => {
    for (const kind of ['overloaded', 'timeout', 'server', 'network', 'invalid_output'] as const) {
      expect(decide(llm(kind), attempt(1), settings)).toMatchObject({ action: 'retry', kind, refundAttempt: false });
      expect(decide(llm(kind), attempt(5), settings)).toMatchObject({
        action: 'fail',
        kind,
        message: expect.stringMatching(/gave up after 5 attempts/),
      });
    }
  });

  it('gives a rate-limited attempt back and honours Retry-After up to the cap', () => {
    expect(decide(llm('rate_limited', 7_000), attempt(5), settings)).toMatchObject({
      action: 'retry',
      refundAttempt: true,
      delayMs: 7_000,
    });
    expect(decide(llm('rate_limited', 3_600_000), attempt(1), settings)).toMatchObject({ delayMs: 60_000 });
  });

  it('fails permanent errors at once', () => {
    for (const kind of ['bad_request', 'auth', 'context_length'] as const)
      expect(decide(llm(kind), attempt(1), settings)).toMatchObject({ action: 'fail', kind });
    expect(decide(new NotFoundError('Article 9 not found'), attempt(1), settings)).toMatchObject({
      action: 'fail',
      kind: 'not_found',
    });
    expect(decide(new InputValidationError([]), attempt(1), settings)).toMatchObject({ action: 'fail' });
  });

  it('retries a database outage and unknown errors', () => {
    const dbDown = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(decide(dbDown, attempt(1), settings)).toMatchObject({ action: 'retry', kind: 'database_unavailable' });
    expect(decide(new Error('boom'), attempt(1), settings)).toMatchObject({ action: 'retry', kind: 'internal' });
  });

  it('stops retrying once the job has been queued longer than the deadline, even for 429s', () => {
    const queuedAt = new Date(Date.now() - 3_600_001);
    expect(decide(llm('rate_limited', 1_000), { number: 1, max: 5, shuttingDown: false, queuedAt }, settings)).toMatchObject({
      action: 'fail',
      kind: 'rate_limited',
      message: expect.stringMatching(/gave up: still failing 3600 s after it was queued/),
    });
  });

  it('releases work aborted by shutdown without recording a failure', () => {
    expect(decide(llm('aborted'), { number: 1, max: 5, shuttingDown: true }, settings)).toMatchObject({ action: 'release' });
  });
});
