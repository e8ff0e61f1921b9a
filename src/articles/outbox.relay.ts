import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { Logger } from '../lib/logger.js';
import { decodeJobMessage, type WorkQueue } from '../queue/work-queue.js';

const BATCH = 200;
/** A delivery (webhook, email) that failed this many times is dropped, with an error logged. */
const MAX_DELIVERY_ATTEMPTS = 20;

/** Delivers an outbox row of a kind other than `job` (alerts); throws to be tried again next pass. */
export type OutboxDelivery = (payload: unknown) => Promise<void>;

/**
 * Publishes outbox rows that submit could not publish (queue down, process died in between).
 * Rows younger than `graceMs` are left to the submit that wrote them. Safe on many processes at
 * once (SKIP LOCKED), and a re-publish is de-duplicated by the queue (msg id = job id).
 */
export function createOutboxRelay(deps: {
  db: Db;
  queue: WorkQueue;
  log: Logger;
  intervalMs: number;
  graceMs?: number;
  /** By outbox kind: how rows other than jobs are delivered. */
  deliveries?: Record<string, OutboxDelivery>;
}) {
  const { db, queue, log } = deps;
  const graceMs = deps.graceMs ?? 2_000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;

  /** One pass; returns how many rows were published. */
  async function relayOnce(): Promise<number> {
    return db.transaction().execute(async (tx) => {
      const rows = await tx
        .selectFrom('outbox')
        .selectAll()
        .where('created_at', '<', sql<Date>`now() - make_interval(secs => ${graceMs / 1000})`)
        .orderBy('id')
        .limit(BATCH)
        .forUpdate()
        .skipLocked()
        .execute();
      const published: number[] = [];
      const failed: number[] = [];
      for (const row of rows) {
        if (row.kind !== 'job') {
          const deliver = deps.deliveries?.[row.kind];
          try {
            if (!deliver) throw new Error(`no delivery for outbox rows of kind ${row.kind}`);
            await deliver(row.payload);
            published.push(row.id);
          } catch (err) {
            if (row.attempts + 1 >= MAX_DELIVERY_ATTEMPTS) {
              log.error({ err, outboxId: row.id, kind: row.kind }, 'outbox delivery failed for good; dropped');
              published.push(row.id);
            } else {
              log.warn({ err, outboxId: row.id, kind: row.kind }, 'outbox delivery failed; will retry');
              failed.push(row.id);
            }
          }
          continue;
        }
        const message = decodeJobMessage(JSON.stringify(row.payload));
        if (!message) {
          log.error({ outboxId: row.id }, 'dropping malformed outbox row');
          published.push(row.id);
          continue;
        }
        try {
          await queue.publish(message);
          published.push(row.id);
        } catch (err) {
          log.warn({ err, jobId: message.jobId }, 'outbox publish failed; will retry');
          break; // the queue is down: keep the rest for the next pass
        }
      }
      if (published.length > 0) await tx.deleteFrom('outbox').where('id', 'in', published).execute();
      if (failed.length > 0)
        await tx
          .updateTable('outbox')
          .set({ attempts: sql<number>`attempts + 1` })
          .where('id', 'in', failed)
          .execute();
      if (published.length > 0) log.info({ count: published.length }, 'outbox rows relayed');
      return published.length;
    });
  }

  function tick(): void {
    running = relayOnce()
      .catch((err: unknown) => {
        log.warn({ err }, 'outbox relay pass failed');
        return 0;
      })
      .finally(() => {
        running = undefined;
        if (timer) timer = setTimeout(tick, deps.intervalMs);
      });
  }

  return {
    relayOnce,
    start(): void {
      timer = setTimeout(tick, deps.intervalMs);
    },
    async stop(): Promise<void> {
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}

/**
 * Deletes the outbox rows of jobs that were published, in batches off the submit's critical path.
 * A row still there when the relay looks (after its grace) is published again: harmless, since the
 * queue drops a second publish of the same job id.
 */
export function createOutboxCleaner(deps: { db: Db; log: Logger; intervalMs?: number }) {
  const intervalMs = deps.intervalMs ?? 100;
  let pending: number[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  function flush(): Promise<void> {
    timer = undefined;
    const ids = pending;
    pending = [];
    if (ids.length === 0) return running;
    running = running
      .then(() => deps.db.deleteFrom('outbox').where('id', 'in', ids).execute())
      .then(
        () => undefined,
        (err: unknown) =>
          deps.log.warn({ err, count: ids.length }, 'could not delete published outbox rows; the relay will republish them'),
      );
    return running;
  }

  return {
    /** Marks rows as published; they are deleted within `intervalMs`. */
    published(ids: number[]): void {
      pending.push(...ids);
      timer ??= setTimeout(() => void flush(), intervalMs);
    },
    async stop(): Promise<void> {
      clearTimeout(timer);
      await flush();
    },
  };
}

export type OutboxCleaner = ReturnType<typeof createOutboxCleaner>;
