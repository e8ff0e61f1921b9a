import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../../db/database.js';
import type { Metric, MetricLabel } from '../../lib/vocabulary.js';

/** Where a metric's rows come from, declared once per metric. */
interface MetricSource {
  /** FROM with its alias; `a` is the article (joined when the tenant is needed). */
  from: RawBuilder<unknown>;
  /** Joins `a` (articles) for the tenant. */
  tenantJoin?: RawBuilder<unknown>;
  /** The row's time: what puts it in a bucket, and what the window is read through (indexed). */
  time: RawBuilder<unknown>;
  where?: RawBuilder<unknown>;
  /** What a bucket holds: a count or sum of its rows, or a percentile of their durations (in seconds). */
  measure:
    { kind: 'count' } | { kind: 'sum'; expr: RawBuilder<unknown> } | { kind: 'duration'; expr: RawBuilder<unknown>; p: number };
  labels: Partial<Record<MetricLabel, RawBuilder<unknown>>>;
}

const ARTICLE_TENANT = sql`a.tenant_id`;
const jobsJoin = sql`join articles a on a.id = j.article_id`;
const callsJoin = sql`join articles a on a.id = c.article_id`;
const jobLabels = { PRIORITY: sql`j.priority`, STATUS: sql`j.state`, TENANT: ARTICLE_TENANT };
const callLabels = { STEP: sql`c.step`, MODEL: sql`c.model`, PROVIDER: sql`c.provider`, TENANT: ARTICLE_TENANT };
const seconds = (from: string, to: string) => sql`extract(epoch from ${sql.ref(to)} - ${sql.ref(from)})`;

/** Jobs by when they finished in `state` (jobs_finished_idx). */
const finishedJobs = (
  state: 'SUCCEEDED' | 'FAILED',
  measure: MetricSource['measure'],
  labels: MetricSource['labels'] = jobLabels,
): MetricSource => ({
  from: sql`jobs j`,
  tenantJoin: jobsJoin,
  time: sql`j.finished_at`,
  where: sql`j.finished_at is not null and j.state = ${sql.lit(state)}`,
  measure,
  labels,
});
/** Ledger rows by when they were booked (the ledger's BRIN). */
const ledger = (measure: MetricSource['measure'], where?: RawBuilder<unknown>): MetricSource => ({
  from: sql`llm_calls c`,
  tenantJoin: callsJoin,
  time: sql`c.created_at`,
  where,
  measure,
  labels: callLabels,
});
const processingTime = (p: number) => ({ kind: 'duration' as const, p, expr: seconds('j.queued_at', 'j.finished_at') });
const durationLabels = { PRIORITY: sql`j.priority`, TENANT: ARTICLE_TENANT };

/** Each metric: its rows, their time (read through an index: migration 0013, jobs_queued_idx, llm_calls' BRIN), its value, its labels. */
const SOURCES: Record<Metric, MetricSource> = {
  ARTICLES_SUBMITTED: {
    from: sql`articles a`,
    time: sql`a.created_at`,
    measure: { kind: 'count' },
    labels: { PRIORITY: sql`a.priority`, STATUS: sql`a.status`, TENANT: ARTICLE_TENANT },
  },
  JOBS_SUCCEEDED: finishedJobs('SUCCEEDED', { kind: 'count' }),
  JOBS_FAILED: finishedJobs('FAILED', { kind: 'count' }),
  JOBS_RETRIED: {
    from: sql`article_events e join jobs j on j.id = e.job_id`,
    tenantJoin: jobsJoin,
    time: sql`e.created_at`,
    where: sql`e.type = 'RETRYING'`,
    measure: { kind: 'count' },
    labels: durationLabels,
  },
  PROCESSING_TIME_P50: finishedJobs('SUCCEEDED', processingTime(0.5), durationLabels),
  PROCESSING_TIME_P95: finishedJobs('SUCCEEDED', processingTime(0.95), durationLabels),
  // By when the job was queued: how long the jobs queued in a minute waited to start.
  QUEUE_WAIT_P95: {
    from: sql`jobs j`,
    tenantJoin: jobsJoin,
    time: sql`j.queued_at`,
    where: sql`j.started_at is not null`,
    measure: { kind: 'duration', p: 0.95, expr: seconds('j.queued_at', 'j.started_at') },
    labels: durationLabels,
  },
  LLM_CALLS: ledger({ kind: 'count' }, sql`not c.cached`),
  LLM_TOKENS: ledger({ kind: 'sum', expr: sql`c.input_tokens + c.output_tokens` }),
  LLM_COST_USD: ledger({ kind: 'sum', expr: sql`c.cost_usd` }),
  CACHE_HITS: ledger({ kind: 'count' }, sql`c.cached`),
};

/** The labels a metric can be grouped by. */
export const labelsOf = (metric: Metric) => Object.keys(SOURCES[metric].labels) as MetricLabel[];
/** The quantile a duration metric gives (0.95 for a p95); undefined for counts and sums. */
export const percentileOf = (metric: Metric) => {
  const { measure } = SOURCES[metric];
  return measure.kind === 'duration' ? measure.p : undefined;
};
/** Whether a bucket where nothing happened is 0 (counts, sums) or no point (percentiles). */
export const fillsZeros = (metric: Metric) => SOURCES[metric].measure.kind !== 'duration';

/**
 * Durations are counted in histogram buckets (PostgreSQL's width_bucket over their logarithm):
 * HISTOGRAM_BUCKETS from 10 ms to an hour, each about 22 % wider than the one before; 0 below,
 * HISTOGRAM_BUCKETS + 1 above. Percentiles of any set of minutes come from summed buckets.
 */
export const HISTOGRAM = { minSeconds: 0.01, maxSeconds: 3_600, buckets: 64 } as const;
const histogramIndex = (expr: RawBuilder<unknown>) =>
  sql`width_bucket(ln(greatest(${expr}, 0.000001)), ln(${sql.lit(HISTOGRAM.minSeconds)}::float8), ln(${sql.lit(HISTOGRAM.maxSeconds)}::float8), ${sql.lit(HISTOGRAM.buckets)})`;

/** The labels a rollup row keeps, in its columns (TENANT is the tenant column). */
const ROLLUP_LABELS = ['PRIORITY', 'STEP', 'MODEL', 'PROVIDER', 'STATUS'] as const satisfies readonly MetricLabel[];
const ROLLUP_COLUMN: Record<MetricLabel, string> = {
  PRIORITY: 'priority',
  STEP: 'step',
  MODEL: 'model',
  PROVIDER: 'provider',
  STATUS: 'status',
  TENANT: 'tenant',
};

/** A row of buckets: its start, its label values, its histogram bucket (-1: a plain value) and value. */
export interface BucketRow {
  t: Date;
  labels: string[];
  idx: number;
  v: number;
}

/**
 * The raw rows of `metric` in [start, end) in buckets of `stepSeconds` from `origin`, per `labels`
 * (label expressions; the tenant's when asked) and histogram bucket.
 */
function bucketSelect(
  metric: Metric,
  q: {
    start: Date;
    end: Date;
    stepSeconds: number;
    origin: Date;
    labels: RawBuilder<unknown>[];
    tenant: string | null;
    joinTenant: boolean;
  },
): RawBuilder<BucketRow> {
  const source = SOURCES[metric];
  const { measure } = source;
  const labelColumns = q.labels.map((expr, i) => sql`, coalesce(${expr}::text, '') as ${sql.ref(`l${i}`)}`);
  // Columns: t (1), idx (2), v (3), then the labels (4, 5, …).
  const groupColumns = q.labels.map((_, i) => sql`, ${sql.lit(i + 4)}`);
  const idx = measure.kind === 'duration' ? histogramIndex(measure.expr) : sql`-1`;
  const value = measure.kind === 'sum' ? sql`coalesce(sum(${measure.expr}), 0)` : sql`count(*)`;
  return sql<BucketRow>`
    select date_bin(make_interval(secs => ${q.stepSeconds}), ${source.time}, ${q.origin}::timestamptz) as t,
           ${idx} as idx, (${value})::float8 as v ${sql.join(labelColumns, sql``)}
    from ${source.from} ${(q.joinTenant || q.tenant !== null) && source.tenantJoin ? source.tenantJoin : sql``}
    where ${source.time} >= ${q.start}::timestamptz and ${source.time} < ${q.end}::timestamptz
      ${source.where ? sql`and ${source.where}` : sql``}
      ${q.tenant !== null ? sql`and a.tenant_id = ${q.tenant}` : sql``}
    group by 1, 2 ${sql.join(groupColumns, sql``)}`;
}

const EPOCH = new Date(0);
/** Rows commit within seconds of their timestamps: minutes older than this are complete. */
const ROLLUP_LAG_MS = 2 * 60_000;
/** One statement rolls up at most this much (a first run over a long history goes day by day). */
const ROLLUP_CHUNK_MS = 86_400_000;

/**
 * Rolls every metric up to the last complete minute (ROLLUP_LAG_MS before `now`), from where it
 * stopped (or its first row), a day per transaction; one process at a time (an advisory lock).
 * Returns the minutes rolled up per metric.
 */
export async function rollUpMetrics(db: Db, now: Date = new Date()): Promise<Record<string, number>> {
  const end = new Date(Math.floor((now.getTime() - ROLLUP_LAG_MS) / 60_000) * 60_000);
  const done: Record<string, number> = {};
  for (const metric of Object.keys(SOURCES) as Metric[]) {
    const source = SOURCES[metric];
    const state = await db.selectFrom('metric_rollup_state').select('rolled_to').where('metric', '=', metric).executeTakeFirst();
    let start: Date = state?.rolled_to ?? end;
    if (!state) {
      const { rows } = await sql<{ first: Date | null }>`
        select min(${source.time}) as first from ${source.from} ${source.where ? sql`where ${source.where}` : sql``}`.execute(db);
      if (rows[0]?.first) start = new Date(Math.floor(rows[0].first.getTime() / 60_000) * 60_000);
    }
    // Nothing to roll up yet: the metric starts at `end` (rows come with the time they are written).
    if (!state && start >= end) await writeRolledTo(db, metric, end);
    while (start < end) {
      const chunkEnd: Date = new Date(Math.min(end.getTime(), start.getTime() + ROLLUP_CHUNK_MS));
      const from = start;
      const rolled = await db.transaction().execute(async (tx) => {
        const { rows } = await sql<{
          locked: boolean;
        }>`select pg_try_advisory_xact_lock(hashtext('distill.rollups')) as locked`.execute(tx);
        if (!rows[0]!.locked) return false;
        const labels = ROLLUP_LABELS.map((l) => source.labels[l] ?? sql`''`);
        await sql`
          insert into metric_rollups (metric, minute, idx, value, tenant, priority, step, model, provider, status)
          select ${metric}, b.* from (${bucketSelect(metric, { start: from, end: chunkEnd, stepSeconds: 60, origin: EPOCH, labels: [ARTICLE_TENANT, ...labels], tenant: null, joinTenant: true })}) as b
          on conflict (metric, minute, tenant, priority, step, model, provider, status, idx) do update set value = excluded.value`.execute(
          tx,
        );
        await writeRolledTo(tx, metric, chunkEnd);
        return true;
      });
      if (!rolled) return done;
      done[metric] = (done[metric] ?? 0) + (chunkEnd.getTime() - from.getTime()) / 60_000;
      start = chunkEnd;
    }
  }
  return done;
}

async function writeRolledTo(db: Db, metric: Metric, to: Date): Promise<void> {
  await sql`
    insert into metric_rollup_state (metric, rolled_to) values (${metric}, ${to})
    on conflict (metric) do update set rolled_to = excluded.rolled_to`.execute(db);
}

/**
 * One metric's buckets of `stepSeconds` in [from, to) from `from`, per `groupBy` label and
 * histogram bucket, for one tenant or all (null): from the rollups up to where they reach (when
 * the buckets are whole minutes from a whole minute), the raw rows after.
 */
export async function readBuckets(
  db: Db,
  query: { metric: Metric; from: Date; to: Date; stepSeconds: number; groupBy: MetricLabel[]; tenant: string | null },
): Promise<BucketRow[]> {
  const { metric, from, to, stepSeconds, groupBy, tenant } = query;
  const source = SOURCES[metric];
  const minutes = from.getTime() % 60_000 === 0 && stepSeconds % 60 === 0;
  const state = minutes
    ? await db.selectFrom('metric_rollup_state').select('rolled_to').where('metric', '=', metric).executeTakeFirst()
    : undefined;
  const split = state && state.rolled_to > from ? new Date(Math.min(state.rolled_to.getTime(), to.getTime())) : from;
  const parts: Promise<{ rows: BucketRow[] }>[] = [];
  if (split > from) {
    const labelColumns = groupBy.map((l, i) => sql`, ${sql.ref(ROLLUP_COLUMN[l])} as ${sql.ref(`l${i}`)}`);
    const groupColumns = groupBy.map((_, i) => sql`, ${sql.lit(i + 4)}`);
    parts.push(
      sql<BucketRow>`
        select date_bin(make_interval(secs => ${stepSeconds}), minute, ${from}::timestamptz) as t, idx, sum(value)::float8 as v
               ${sql.join(labelColumns, sql``)}
        from metric_rollups
        where metric = ${metric} and minute >= ${from}::timestamptz and minute < ${split}::timestamptz
          ${tenant !== null ? sql`and tenant = ${tenant}` : sql``}
        group by 1, 2 ${sql.join(groupColumns, sql``)}`.execute(db),
    );
  }
  if (split < to) {
    const labels = groupBy.map((l) => source.labels[l]!);
    parts.push(
      bucketSelect(metric, {
        start: split,
        end: to,
        stepSeconds,
        origin: from,
        labels,
        tenant,
        joinTenant: groupBy.includes('TENANT'),
      }).execute(db),
    );
  }
  const rows = (await Promise.all(parts)).flatMap((r) => r.rows);
  return rows.map((r) => {
    const row = r as unknown as Record<string, unknown>;
    return { t: r.t, idx: r.idx, v: r.v, labels: groupBy.map((_, i) => String(row[`l${i}`] ?? '')) };
  });
}
