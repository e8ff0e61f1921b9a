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
  /** The bucket's value over its rows. */
  value: RawBuilder<unknown>;
  /** Counts and sums are 0 where nothing happened; a percentile of nothing is no point. */
  fill: boolean;
  labels: Partial<Record<MetricLabel, RawBuilder<unknown>>>;
}

const ARTICLE_TENANT = sql`a.tenant_id`;
const jobsJoin = sql`join articles a on a.id = j.article_id`;
const callsJoin = sql`join articles a on a.id = c.article_id`;
const jobLabels = { PRIORITY: sql`j.priority`, STATUS: sql`j.state`, TENANT: ARTICLE_TENANT };
const callLabels = { STEP: sql`c.step`, MODEL: sql`c.model`, PROVIDER: sql`c.provider`, TENANT: ARTICLE_TENANT };
const seconds = (from: string, to: string) => sql`extract(epoch from ${sql.ref(to)} - ${sql.ref(from)})`;
const percentile = (p: number, expr: RawBuilder<unknown>) => sql`percentile_cont(${sql.lit(p)}) within group (order by ${expr})`;

/** Each metric: its rows, their time (read through an index: migration 0013, jobs_queued_idx, llm_calls' BRIN), its value, its labels. */
const SOURCES: Record<Metric, MetricSource> = {
  ARTICLES_SUBMITTED: {
    from: sql`articles a`,
    time: sql`a.created_at`,
    value: sql`count(*)`,
    fill: true,
    labels: { PRIORITY: sql`a.priority`, STATUS: sql`a.status`, TENANT: ARTICLE_TENANT },
  },
  JOBS_SUCCEEDED: {
    from: sql`jobs j`,
    tenantJoin: jobsJoin,
    time: sql`j.finished_at`,
    where: sql`j.finished_at is not null and j.state = 'SUCCEEDED'`,
    value: sql`count(*)`,
    fill: true,
    labels: jobLabels,
  },
  JOBS_FAILED: {
    from: sql`jobs j`,
    tenantJoin: jobsJoin,
    time: sql`j.finished_at`,
    where: sql`j.finished_at is not null and j.state = 'FAILED'`,
    value: sql`count(*)`,
    fill: true,
    labels: jobLabels,
  },
  JOBS_RETRIED: {
    from: sql`article_events e join jobs j on j.id = e.job_id`,
    tenantJoin: jobsJoin,
    time: sql`e.created_at`,
    where: sql`e.type = 'RETRYING'`,
    value: sql`count(*)`,
    fill: true,
    labels: { PRIORITY: sql`j.priority`, TENANT: ARTICLE_TENANT },
  },
  PROCESSING_TIME_P50: {
    from: sql`jobs j`,
    tenantJoin: jobsJoin,
    time: sql`j.finished_at`,
    where: sql`j.finished_at is not null and j.state = 'SUCCEEDED'`,
    value: percentile(0.5, seconds('j.queued_at', 'j.finished_at')),
    fill: false,
    labels: { PRIORITY: sql`j.priority`, TENANT: ARTICLE_TENANT },
  },
  PROCESSING_TIME_P95: {
    from: sql`jobs j`,
    tenantJoin: jobsJoin,
    time: sql`j.finished_at`,
    where: sql`j.finished_at is not null and j.state = 'SUCCEEDED'`,
    value: percentile(0.95, seconds('j.queued_at', 'j.finished_at')),
    fill: false,
    labels: { PRIORITY: sql`j.priority`, TENANT: ARTICLE_TENANT },
  },
  // By when the job was queued: how long the jobs queued in a minute waited to start.
  QUEUE_WAIT_P95: {
    from: sql`jobs j`,
    tenantJoin: jobsJoin,
    time: sql`j.queued_at`,
    where: sql`j.started_at is not null`,
    value: percentile(0.95, seconds('j.queued_at', 'j.started_at')),
    fill: false,
    labels: { PRIORITY: sql`j.priority`, TENANT: ARTICLE_TENANT },
  },
  LLM_CALLS: {
    from: sql`llm_calls c`,
    tenantJoin: callsJoin,
    time: sql`c.created_at`,
    where: sql`not c.cached`,
    value: sql`count(*)`,
    fill: true,
    labels: callLabels,
  },
  LLM_TOKENS: {
    from: sql`llm_calls c`,
    tenantJoin: callsJoin,
    time: sql`c.created_at`,
    value: sql`coalesce(sum(c.input_tokens + c.output_tokens), 0)`,
    fill: true,
    labels: callLabels,
  },
  LLM_COST_USD: {
    from: sql`llm_calls c`,
    tenantJoin: callsJoin,
    time: sql`c.created_at`,
    value: sql`coalesce(sum(c.cost_usd), 0)`,
    fill: true,
    labels: callLabels,
  },
  CACHE_HITS: {
    from: sql`llm_calls c`,
    tenantJoin: callsJoin,
    time: sql`c.created_at`,
    where: sql`c.cached`,
    value: sql`count(*)`,
    fill: true,
    labels: callLabels,
  },
};

/** The labels a metric can be grouped by. */
export const labelsOf = (metric: Metric) => Object.keys(SOURCES[metric].labels) as MetricLabel[];
/** Whether a bucket where nothing happened is 0 (counts, sums) or no point (percentiles). */
export const fillsZeros = (metric: Metric) => SOURCES[metric].fill;

export interface BucketRow {
  t: Date;
  v: number;
  labels: (string | null)[];
}

/**
 * One metric's buckets of `stepSeconds` in [from, to), grouped by `groupBy` (labels the metric
 * has), for one tenant or every tenant (null). Buckets start at `from` (date_bin).
 */
export async function readBuckets(
  db: Db,
  query: { metric: Metric; from: Date; to: Date; stepSeconds: number; groupBy: MetricLabel[]; tenant: string | null },
): Promise<BucketRow[]> {
  const source = SOURCES[query.metric];
  const labels = query.groupBy.map((l) => source.labels[l]!);
  const needsTenant = query.tenant !== null || query.groupBy.includes('TENANT');
  const labelColumns = labels.map((expr, i) => sql`, ${expr}::text as ${sql.ref(`l${i}`)}`);
  // Columns: t (1), v (2), then the labels (3, 4, …).
  const groupColumns = labels.map((_, i) => sql`, ${sql.lit(i + 3)}`);
  const { rows } = await sql<{ t: Date; v: number; [label: string]: unknown }>`
    select date_bin(make_interval(secs => ${query.stepSeconds}), ${source.time}, ${query.from}::timestamptz) as t,
           (${source.value})::float8 as v ${sql.join(labelColumns, sql``)}
    from ${source.from} ${needsTenant && source.tenantJoin ? source.tenantJoin : sql``}
    where ${source.time} >= ${query.from}::timestamptz and ${source.time} < ${query.to}::timestamptz
      ${source.where ? sql`and ${source.where}` : sql``}
      ${query.tenant !== null ? sql`and a.tenant_id = ${query.tenant}` : sql``}
    group by 1 ${sql.join(groupColumns, sql``)}
    order by 1`.execute(db);
  return rows.map((r) => ({ t: r.t, v: r.v, labels: labels.map((_, i) => (r[`l${i}`] as string | null) ?? null) }));
}
