import type { Logger } from './logger.js';

interface Part {
  name: string;
  stop: () => Promise<void>;
  deadlineMs: number;
}

/**
 * Ordered shutdown: parts stop in reverse start order, each bounded by its deadline,
 * so one stuck part cannot keep the others (or the process) alive.
 */
export class Lifecycle {
  private readonly parts: Part[] = [];
  private stopping: Promise<void> | undefined;

  constructor(private readonly log: Logger) {}

  /** Registers a started part; it will be stopped before every part registered earlier. */
  add(name: string, stop: () => Promise<void>, deadlineMs = 10_000): void {
    this.parts.push({ name, stop, deadlineMs });
  }

  /** Stops every part once; later calls return the same promise. */
  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private async stopAll(): Promise<void> {
    for (const part of [...this.parts].reverse()) {
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), part.deadlineMs);
      });
      try {
        const result = await Promise.race([part.stop().then(() => 'ok' as const), deadline]);
        if (result === 'timeout') this.log.warn({ part: part.name, deadlineMs: part.deadlineMs }, 'stop deadline passed');
        else this.log.debug({ part: part.name, ms: Date.now() - started }, 'stopped');
      } catch (err) {
        this.log.error({ part: part.name, err }, 'stop failed');
      } finally {
        clearTimeout(timer);
      }
    }
  }
}
