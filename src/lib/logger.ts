import { pino, type Logger } from 'pino';
import { redactSecrets } from './redact.js';

export type { Logger };

/** JSON logger; keys that may hold secrets, and anything shaped like a secret, are redacted. */
export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  // Asynchronous stdout: a synchronous write per line is a syscall on every job's hot path.
  // flushLogger() before exiting.
  const destination = pino.destination({ dest: 1, sync: false });
  return pino(
    {
      level,
      base: { pid: process.pid, ...base },
      redact: {
        paths: ['apiKey', '*.apiKey', '*.*.apiKey', 'authorization', '*.authorization', 'headers["x-api-key"]'],
        censor: '[redacted]',
      },
      timestamp: pino.stdTimeFunctions.isoTime,
      // By shape too, whatever field or error message carries it.
      hooks: { streamWrite: redactSecrets },
    },
    destination,
  );
}

/** Writes out buffered log lines synchronously (call right before process.exit). */
export function flushLogger(log: Logger): void {
  const stream = (log as unknown as Record<symbol, { flushSync?: () => void }>)[pino.symbols.streamSym];
  try {
    stream?.flushSync?.();
  } catch {
    // nothing buffered, or stdout already closed
  }
}

/** A logger that drops everything (tests, benchmarks). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
