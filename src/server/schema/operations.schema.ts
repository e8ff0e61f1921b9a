import type {
  Operations,
  PriorityQueueStats,
  ProcessingStats as ProcessingStatsShape,
  ScheduleView,
  WorkerInfo,
} from '../../articles/operations.js';
import { visibleTenant } from '../../access/viewer.js';
import { argumentError } from './connection.js';
import { requiresScope } from '../operation-guard.js';
import { builder } from './builder.js';
import { PriorityEnum } from './enums.schema.js';

/** The queue at one moment, every priority. */
interface QueueSnapshot {
  at: Date;
  priorities: PriorityQueueStats[];
  workers: WorkerInfo[];
}

const PriorityQueue = builder.objectRef<PriorityQueueStats>('PriorityQueueStats').implement({
  description: 'One priority of the job queue, as JetStream (or the in-process queue) reports it.',
  fields: (t) => ({
    priority: t.field({ type: PriorityEnum, resolve: (p) => p.priority }),
    pending: t.exposeInt('pending', { description: 'Jobs waiting to be delivered.' }),
    inFlight: t.exposeInt('inFlight', { description: 'Jobs delivered to a worker and not yet settled.' }),
    redelivered: t.exposeInt('redelivered', { description: 'Of those in flight, how many are redeliveries.' }),
    oldestWaitMs: t.int({
      nullable: true,
      description: 'How long the oldest waiting job has waited, in milliseconds; null when none waits.',
      resolve: (p) => (p.oldestWaitMs === null ? null : Math.round(p.oldestWaitMs)),
    }),
  }),
});

const QueueStats = builder.objectRef<QueueSnapshot>('QueueStats').implement({
  description: 'The job queue per priority, and the workers taking from it.',
  fields: (t) => ({
    at: t.field({ type: 'DateTime', resolve: (s) => s.at }),
    byPriority: t.field({ type: [PriorityQueue], resolve: (s) => s.priorities }),
    pending: t.int({ resolve: (s) => s.priorities.reduce((n, p) => n + p.pending, 0) }),
    inFlight: t.int({ resolve: (s) => s.priorities.reduce((n, p) => n + p.inFlight, 0) }),
    activeWorkers: t.int({
      description: 'Workers whose heartbeat is current and that are not draining.',
      resolve: (s) => s.workers.filter((w) => w.state === 'active').length,
    }),
  }),
});

const Worker = builder.objectRef<WorkerInfo>('Worker').implement({
  description: 'A worker process, from its heartbeats (every 3 s).',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'WORKER_ID.' }),
    host: t.exposeString('host'),
    version: t.exposeString('version'),
    startedAt: t.field({ type: 'DateTime', resolve: (w) => w.startedAt }),
    lastSeenAt: t.field({ type: 'DateTime', resolve: (w) => w.lastSeenAt }),
    concurrency: t.exposeInt('concurrency', { description: 'Jobs it runs at once at most (WORKER_CONCURRENCY).' }),
    inFlight: t.exposeInt('inFlight', { description: 'Jobs running at its last heartbeat.' }),
    processed: t.exposeInt('processed', { description: 'Jobs it finished (succeeded or failed) since it started.' }),
    failed: t.exposeInt('failed', { description: 'Of those, the ones that failed.' }),
    state: t.exposeString('state', {
      description: 'active; draining (stopping: finishing its jobs); lost (no heartbeat for 10 s: killed or cut off).',
    }),
  }),
});

const ProcessingStats = builder.objectRef<ProcessingStatsShape>('ProcessingStats').implement({
  description: 'Jobs queued in the last `minutes` (your tenant’s; admins: every tenant’s): outcomes and durations.',
  fields: (t) => ({
    minutes: t.exposeInt('minutes'),
    succeeded: t.exposeInt('succeeded'),
    failed: t.exposeInt('failed'),
    cancelled: t.exposeInt('cancelled'),
    open: t.exposeInt('open', { description: 'Not finished yet: queued, running, retrying or paused.' }),
    successRate: t.exposeFloat('successRate', {
      nullable: true,
      description: 'succeeded / (succeeded + failed); null when none ended.',
    }),
    avgSeconds: t.exposeFloat('avgSeconds', { nullable: true, description: 'Average queued → succeeded time.' }),
    p95Seconds: t.exposeFloat('p95Seconds', { nullable: true, description: '95th percentile of queued → succeeded time.' }),
  }),
});

const Schedule = builder.objectRef<ScheduleView>('Schedule').implement({
  description: 'A scheduled job (SCHEDULE_*): each tick runs in exactly one process.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'cleanup, retry-failed or budget-check.' }),
    cron: t.exposeString('cron'),
    lastRunAt: t.field({ type: 'DateTime', nullable: true, resolve: (s) => s.lastRunAt }),
    nextRunAt: t.field({ type: 'DateTime', nullable: true, resolve: (s) => s.nextRunAt }),
    lastResult: t.exposeString('lastResult', {
      nullable: true,
      description: 'What the last run did; `running` while it runs (or if its process died in it).',
    }),
    holder: t.exposeString('holder', { nullable: true, description: 'The process that ran it last (WORKER_ID).' }),
    runs: t.exposeInt('runs'),
  }),
});

const snapshot = async (ops: Operations): Promise<QueueSnapshot> => {
  const [priorities, workers] = await Promise.all([ops.queueStats(), ops.workers()]);
  return { at: new Date(), priorities, workers };
};

builder.queryFields((t) => ({
  queueStats: t.field({
    type: QueueStats,
    description: 'The job queue per priority: pending, in flight, redelivered, oldest wait (admin).',
    extensions: requiresScope('admin'),
    resolve: (_root, _args, ctx) => snapshot(ctx.operations),
  }),
  processingStats: t.field({
    type: ProcessingStats,
    description: 'Succeeded, failed, success rate and durations of the jobs queued in the last `minutes` (1–43200, default 60).',
    extensions: requiresScope('articles:read'),
    args: { minutes: t.arg.int({ defaultValue: 60 }) },
    resolve: (_root, { minutes }, ctx) => {
      const window = minutes ?? 60;
      if (!Number.isInteger(window) || window < 1 || window > 43_200)
        throw argumentError('minutes', 'must be a whole number from 1 to 43200 (30 days)');
      return ctx.operations.processingStats(visibleTenant(ctx.viewer), window);
    },
  }),
  schedules: t.field({
    type: [Schedule],
    description: 'The scheduled jobs and their last runs (admin).',
    extensions: requiresScope('admin'),
    resolve: (_root, _args, ctx) => ctx.operations.schedules(),
  }),
  workers: t.field({
    type: [Worker],
    description: 'Every worker heard from in the last day, active ones first (admin).',
    extensions: requiresScope('admin'),
    resolve: (_root, _args, ctx) => ctx.operations.workers(),
  }),
}));

builder.subscriptionFields((t) => ({
  queueStats: t.field({
    type: QueueStats,
    description: 'The queue stats now, then again every `intervalSeconds` (1–60) while subscribed (admin).',
    extensions: requiresScope('admin'),
    args: { intervalSeconds: t.arg.int({ defaultValue: 2 }) },
    subscribe: (_root, { intervalSeconds }, ctx) => {
      const every = intervalSeconds ?? 2;
      if (!Number.isInteger(every) || every < 1 || every > 60)
        throw argumentError('intervalSeconds', 'must be a whole number from 1 to 60');
      return snapshots(ctx.operations, every * 1000);
    },
    resolve: (s) => s,
  }),
}));

/** A snapshot at once, then one per interval; a subscriber that leaves ends it at once (no timer left). */
function snapshots(ops: Operations, intervalMs: number): AsyncIterableIterator<QueueSnapshot> {
  let first = true;
  let done = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  const iterator: AsyncIterableIterator<QueueSnapshot> = {
    async next() {
      if (!first) await new Promise<void>((resolve) => ((wake = resolve), (timer = setTimeout(resolve, intervalMs))));
      first = false;
      if (done) return { value: undefined, done: true };
      return { value: await snapshot(ops), done: false };
    },
    async return() {
      done = true;
      clearTimeout(timer);
      wake?.();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
