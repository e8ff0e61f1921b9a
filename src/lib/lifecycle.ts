import type { Logger } from './logger.js';

interface Part {
  name: string;
  stop: () => Promise<void>;
  deadlineMs: number;
}

/**
 * Ordered shutdown: parts stop in reverse start order, each bounded by its deadline,
 * so one stuck part cannot keep the others (or the process) alive. A part that fails or
 * overruns its deadline is logged as an error and makes stop() reject once every part had
 * its turn (the process then exits non-zero, and a test sees it).
 */
export class Lifecycle {
  private readonly parts: Part[] = [];
  private stopping: Promise<void> | undefined;

  constructor(private readonly log: Logger) {}

  /** Registers a started part; it will be stopped before every part registered earlier. */
  add(name: string, stop: () => Promise<void>, deadlineMs = 10_000): void {
    this.parts.push({ name, stop, deadlineMs });
  }

  /** Stops every part once; later calls return the same promise. Rejects naming the parts that did not stop cleanly. */
  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private async stopAll(): Promise<void> {
    const problems: string[] = [];
    for (const part of [...this.parts].reverse()) {
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), part.deadlineMs);
      });
      try {
        const result = await Promise.race([part.stop().then(() => 'ok' as const), deadline]);
        if (result === 'timeout') {
          problems.push(`${part.name} did not stop within ${part.deadlineMs} ms`);
          this.log.error({ part: part.name, deadlineMs: part.deadlineMs }, 'stop deadline passed');
        } else this.log.debug({ part: part.name, ms: Date.now() - started }, 'stopped');
      } catch (err) {
        problems.push(`${part.name} failed to stop: ${err instanceof Error ? err.message : String(err)}`);
        this.log.error({ part: part.name, err }, 'stop failed');
      } finally {
        clearTimeout(timer);
      }
    }
    if (problems.length > 0) throw new Error(`shutdown incomplete: ${problems.join('; ')}`);
  }
}
