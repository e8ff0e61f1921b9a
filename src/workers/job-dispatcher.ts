import type { Logger } from '../lib/logger.js';
import { PRIORITIES, type Priority } from '../lib/vocabulary.js';
import type { Delivery, WorkQueue } from '../queue/work-queue.js';
import { pickPriority } from './priority-picker.js';

export interface DispatcherOptions {
  concurrency: number;
  ackWaitMs: number;
  agingMs: number;
  shutdownGraceMs: number;
}

type RunDelivery = (delivery: Delivery, signal: AbortSignal, shuttingDown: () => boolean) => Promise<void>;

const FETCH_EXPIRES_MS = 5_000;
const FETCH_ERROR_BACKOFF_MS = 1_000;

/**
 * Feeds a bounded number of job slots from the three priority consumers.
 *
 * Each priority has a puller that keeps a small local buffer full; a free slot takes from the
 * buffers in priority order (with aging, see pickPriority). Every held message — buffered or
 * running — gets a `working()` heartbeat every ackWait/3, so a live worker never loses a long LLM
 * call to redelivery while a dead worker's messages return after one ack wait.
 */
export function createJobDispatcher(deps: { queue: WorkQueue; run: RunDelivery; log: Logger; options: DispatcherOptions }) {
  const { queue, run, log, options } = deps;
  // Enough buffered per priority that a freed slot finds HIGH work waiting rather than a refill in
  // flight (with a buffer of 1, every other pick fell to LOW under a HIGH flood).
  const prefetch = Math.min(64, Math.max(4, options.concurrency));
  const buffers = new Map<Priority, Delivery[]>(PRIORITIES.map((p) => [p, []]));
  const starvedSince = Object.fromEntries(PRIORITIES.map((p) => [p, null])) as Record<Priority, number | null>;
  const roomWaiters = new Map<Priority, () => void>();
  const running = new Map<Delivery, AbortController>();
  /**
   * Redeliveries of a job that is running here (its lease lapsed, e.g. a stalled event loop missed
   * a heartbeat): held, kept alive, and started only once the first run settled — where they find
   * the job's state and pay for nothing again.
   */
  const redelivered = new Map<string, Delivery[]>();
  const pullers: Promise<void>[] = [];
  const stopFetching = new AbortController();
  let heartbeat: NodeJS.Timeout | undefined;
  let stopping = false;
  let idle: (() => void) | undefined;

  function dispatch(): void {
    while (!stopping && running.size < options.concurrency) {
      const waiting = Object.fromEntries(PRIORITIES.map((p) => [p, buffers.get(p)!.length])) as Record<Priority, number>;
      const priority = pickPriority(waiting, starvedSince, Date.now(), options.agingMs);
      if (!priority) return;
      const delivery = buffers.get(priority)!.shift()!;
      starvedSince[priority] = buffers.get(priority)!.length > 0 ? Date.now() : null;
      roomWaiters.get(priority)?.();
      start(delivery);
    }
  }

  function isRunning(jobId: string): boolean {
    for (const d of running.keys()) if (d.message?.jobId === jobId) return true;
    return false;
  }

  function start(delivery: Delivery): void {
    const jobId = delivery.message?.jobId;
    if (jobId !== undefined && isRunning(jobId)) {
      log.warn({ jobId, deliveryCount: delivery.deliveryCount }, 'job redelivered while it runs here; held until that run ends');
      redelivered.set(jobId, [...(redelivered.get(jobId) ?? []), delivery]);
      return;
    }
    const controller = new AbortController();
    running.set(delivery, controller);
    run(delivery, controller.signal, () => stopping)
      .catch((err: unknown) => {
        // run settles its own message; reaching here is a bug, so give the message back.
        log.error({ err, jobId: delivery.message?.jobId }, 'job runner threw; releasing message');
        delivery.nak(FETCH_ERROR_BACKOFF_MS);
      })
      .finally(() => {
        running.delete(delivery);
        const held = jobId === undefined ? undefined : redelivered.get(jobId);
        if (held) {
          redelivered.delete(jobId!);
          if (stopping) for (const d of held) d.nak(0);
          else for (const d of held) start(d);
        }
        if (stopping && running.size === 0) idle?.();
        dispatch();
      });
  }

  async function pull(priority: Priority): Promise<void> {
    const buffer = buffers.get(priority)!;
    while (!stopping) {
      const room = prefetch - buffer.length;
      if (room <= 0) {
        await new Promise<void>((resolve) => roomWaiters.set(priority, resolve));
        roomWaiters.delete(priority);
        continue;
      }
      try {
        for await (const delivery of queue.fetch(priority, {
          max: room,
          expiresMs: FETCH_EXPIRES_MS,
          signal: stopFetching.signal,
        })) {
          if (stopping) {
            delivery.nak(0);
            continue;
          }
          if (buffer.length === 0) starvedSince[priority] = Date.now();
          buffer.push(delivery);
          dispatch();
        }
      } catch (err) {
        if (stopping) return;
        log.warn({ err, priority }, 'fetch failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, FETCH_ERROR_BACKOFF_MS));
      }
    }
  }

  return {
    /** Jobs running now. */
    get inFlight(): number {
      return running.size;
    },
    /** Aborts the job if it runs here; its runner settles the message. */
    abortJob(jobId: string, reason: Error): boolean {
      for (const [delivery, controller] of running) {
        if (delivery.message?.jobId !== jobId) continue;
        controller.abort(reason);
        return true;
      }
      return false;
    },
    start(): void {
      for (const priority of PRIORITIES) pullers.push(pull(priority));
      heartbeat = setInterval(
        () => {
          for (const buffer of buffers.values()) for (const d of buffer) d.working();
          for (const d of running.keys()) d.working();
          for (const held of redelivered.values()) for (const d of held) d.working();
        },
        Math.max(250, Math.floor(options.ackWaitMs / 3)),
      );
    },
    /**
     * Stops pulling, gives buffered messages back, lets running jobs finish up to the grace
     * deadline, then aborts the rest (their messages are released for another worker).
     */
    async stop(): Promise<void> {
      stopping = true;
      stopFetching.abort();
      for (const resolve of roomWaiters.values()) resolve();
      for (const buffer of buffers.values()) for (const d of buffer.splice(0)) d.nak(0);
      if (running.size > 0) {
        log.info({ inFlight: running.size, graceMs: options.shutdownGraceMs }, 'waiting for running jobs');
        const drained = new Promise<void>((resolve) => (idle = resolve));
        const grace = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), options.shutdownGraceMs).unref());
        if ((await Promise.race([drained, grace])) === 'timeout') {
          log.warn({ inFlight: running.size }, 'grace period over; aborting running jobs');
          for (const controller of running.values()) controller.abort();
          await drained;
        }
      }
      clearInterval(heartbeat);
      await Promise.allSettled(pullers);
    },
  };
}
