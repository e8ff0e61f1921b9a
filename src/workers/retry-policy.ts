import { DistillError, NotFoundError } from '../lib/errors.js';
import { LlmError, type LlmErrorKind } from '../llm/llm-error.js';

export interface RetrySettings {
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Retrying stops this long after the job was queued, however many attempts are left (429s give theirs back). */
  deadlineMs: number;
}

export type Decision =
  | { action: 'retry'; delayMs: number; kind: string; message: string; refundAttempt: boolean }
  | { action: 'fail'; kind: string; message: string }
  /** Shutdown aborted the work: give the message back at once, record nothing. */
  | { action: 'release'; kind: string; message: string };

const RETRYABLE_LLM: Record<LlmErrorKind, boolean> = {
  rate_limited: true,
  overloaded: true,
  timeout: true,
  server: true,
  network: true,
  invalid_output: true,
  aborted: true,
  bad_request: false,
  auth: false,
  context_length: false,
};

/**
 * Error kinds of a FAILED job that may go another way later: a provider's bad spell, a lost worker,
 * a database outage. The scheduled re-queue (SCHEDULE_RETRY_FAILED) tries these again.
 */
export const TRANSIENT_ERROR_KINDS: readonly string[] = [
  ...Object.entries(RETRYABLE_LLM)
    .filter(([kind, retryable]) => retryable && kind !== 'aborted')
    .map(([kind]) => kind),
  'exhausted',
  'database_unavailable',
  'internal',
];

// PostgreSQL connection-level failures (class 08, admin shutdown, cannot connect now) and node socket errors.
const DB_UNAVAILABLE_CODES = new Set(['57P01', '57P02', '57P03', '53300', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);

/** What kind of failure this is, in the vocabulary stored in jobs.error_kind. */
export function classify(err: unknown): { kind: string; retryable: boolean; message: string; retryAfterMs?: number } {
  if (err instanceof LlmError)
    return { kind: err.kind, retryable: RETRYABLE_LLM[err.kind], message: err.message, retryAfterMs: err.retryAfterMs };
  if (err instanceof NotFoundError) return { kind: 'not_found', retryable: false, message: err.message };
  if (err instanceof DistillError) return { kind: err.code.toLowerCase(), retryable: false, message: err.message };
  const e = err as { code?: string; message?: string };
  const message = e?.message ?? String(err);
  if (
    (e?.code && (DB_UNAVAILABLE_CODES.has(e.code) || e.code.startsWith('08'))) ||
    /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect/i.test(message)
  )
    return { kind: 'database_unavailable', retryable: true, message: `database unavailable: ${message}` };
  // Unknown errors are retried: attempts bound them, and a transient bug should not lose an article.
  return { kind: 'internal', retryable: true, message };
}

/** Exponential backoff with jitter: base·2^(attempt-1), capped, then scaled by 0.5–1.0. */
export function backoffMs(attempt: number, settings: RetrySettings, random = Math.random): number {
  const exp = Math.min(settings.backoffMaxMs, settings.backoffBaseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp * (0.5 + random() * 0.5));
}

/**
 * Decides the outcome of a failed attempt. Retryable errors retry while attempts remain (a 429 gives
 * its attempt back); Retry-After, when given, is the delay, up to the backoff cap. Permanent errors fail at once.
 */
export function decide(
  err: unknown,
  attempt: { number: number; max: number; shuttingDown: boolean; queuedAt?: Date },
  settings: RetrySettings,
  now = Date.now(),
): Decision {
  const c = classify(err);
  if (attempt.shuttingDown && c.kind === 'aborted') return { action: 'release', kind: c.kind, message: c.message };
  if (!c.retryable) return { action: 'fail', kind: c.kind, message: c.message };
  if (attempt.queuedAt && now - attempt.queuedAt.getTime() > settings.deadlineMs)
    return {
      action: 'fail',
      kind: c.kind,
      message: `${c.message} (gave up: still failing ${Math.round(settings.deadlineMs / 1000)} s after it was queued)`,
    };
  const refundAttempt = c.kind === 'rate_limited';
  if (!refundAttempt && attempt.number >= attempt.max)
    return { action: 'fail', kind: c.kind, message: `${c.message} (gave up after ${attempt.number} attempts)` };
  // The server's own Retry-After is the best estimate; otherwise back off exponentially.
  const delayMs = Math.min(settings.backoffMaxMs, c.retryAfterMs ?? backoffMs(attempt.number, settings));
  return { action: 'retry', delayMs, kind: c.kind, message: c.message, refundAttempt };
}
