import type { Db } from '../db/database.js';
import type { Metric, MetricLabel } from '../lib/vocabulary.js';
import { fillsZeros, HISTOGRAM, labelsOf, percentileOf, readBuckets } from './sql/timeseries.sql.js';

export { rollUpMetrics } from './sql/timeseries.sql.js';

export interface TimeseriesQuery {
  metric: Metric;
  from: Date;
  to: Date;
  stepSeconds: number;
  groupBy: MetricLabel[];
}

/** One series, as Grafana charts it: the metric, its labels, its points in time order. */
export interface TimeSeries {
  metric: Metric;
  labels: { name: string; value: string }[];
  points: { t: Date; v: number }[];
}

/** Points one series may have: Grafana's own cap on data points per query. */
export const MAX_POINTS = 11_000;

/** What is wrong with a query, naming the argument; undefined when it can run. `admin`: may group by tenant. */
export function checkTimeseriesQuery(q: TimeseriesQuery, admin: boolean): { argument: string; message: string } | undefined {
  if (!(q.to.getTime() > q.from.getTime())) return { argument: 'query.to', message: 'must be after query.from' };
  if (!Number.isInteger(q.stepSeconds) || q.stepSeconds < 1)
    return { argument: 'query.stepSeconds', message: 'must be a whole number of seconds, 1 or more' };
  const points = Math.ceil((q.to.getTime() - q.from.getTime()) / 1000 / q.stepSeconds);
  if (points > MAX_POINTS)
    return {
      argument: 'query.stepSeconds',
      message: `gives ${points} points from query.from to query.to; at most ${MAX_POINTS} (take a longer step)`,
    };
  const supported = labelsOf(q.metric);
  const unknown = q.groupBy.find((l) => !supported.includes(l));
  if (unknown)
    return { argument: 'query.groupBy', message: `${q.metric} has no label ${unknown} (it has ${supported.join(', ')})` };
  if (q.groupBy.includes('TENANT') && !admin) return { argument: 'query.groupBy', message: 'TENANT is for admins' };
  return undefined;
}

/**
 * Time series computed from PostgreSQL (the durable truth, across every process and restart):
 * one series per combination of the grouped labels, counts and sums 0 in buckets where nothing
 * happened, percentiles only where something did. Run checkTimeseriesQuery first.
 */
export async function readTimeseries(db: Db, asked: TimeseriesQuery, tenant: string | null): Promise<TimeSeries[]> {
  // Buckets of whole minutes start at the minute of `from` (what the rollups hold, whatever range a dashboard sends).
  const from = asked.stepSeconds % 60 === 0 ? new Date(Math.floor(asked.from.getTime() / 60_000) * 60_000) : asked.from;
  const query = { ...asked, from };
  const groupBy = [...new Set(query.groupBy)];
  const rows = await readBuckets(db, { ...query, groupBy, tenant });
  // Per series (label values), per bucket start: the value, or the histogram's counts by bucket.
  const series = new Map<string, { labels: string[]; byTime: Map<number, Map<number, number>> }>();
  for (const row of rows) {
    const key = JSON.stringify(row.labels);
    let s = series.get(key);
    if (!s) series.set(key, (s = { labels: row.labels, byTime: new Map() }));
    const t = row.t.getTime();
    let bucket = s.byTime.get(t);
    if (!bucket) s.byTime.set(t, (bucket = new Map()));
    bucket.set(row.idx, (bucket.get(row.idx) ?? 0) + row.v);
  }
  const p = percentileOf(query.metric);
  const valueOf = (bucket: Map<number, number>) => (p === undefined ? (bucket.get(-1) ?? 0) : histogramPercentile(bucket, p));
  const stepMs = query.stepSeconds * 1000;
  const buckets: number[] = [];
  for (let t = query.from.getTime(); t < query.to.getTime(); t += stepMs) buckets.push(t);
  const fill = fillsZeros(query.metric);
  // Nothing at all: one empty series (zeros for counts), so a chart shows the window rather than nothing.
  if (series.size === 0 && groupBy.length === 0) series.set('[]', { labels: [], byTime: new Map() });
  return [...series.values()].map((s) => ({
    metric: query.metric,
    labels: groupBy.map((name, i) => ({ name, value: s.labels[i] ?? '' })),
    points: fill
      ? buckets.map((t) => ({ t: new Date(t), v: valueOf(s.byTime.get(t) ?? new Map()) }))
      : [...s.byTime].sort(([a], [b]) => a - b).map(([t, bucket]) => ({ t: new Date(t), v: valueOf(bucket) })),
  }));
}

/**
 * The `p` quantile of durations counted in histogram buckets (HISTOGRAM): found in its bucket and
 * placed within it by the share of the bucket's count below it, on the logarithmic scale.
 */
export function histogramPercentile(counts: Map<number, number>, p: number): number {
  const { minSeconds, maxSeconds, buckets } = HISTOGRAM;
  const lo = Math.log(minSeconds);
  const width = (Math.log(maxSeconds) - lo) / buckets;
  const total = [...counts.values()].reduce((n, c) => n + c, 0);
  const target = p * total;
  let below = 0;
  for (const idx of [...counts.keys()].sort((a, b) => a - b)) {
    const n = counts.get(idx)!;
    if (below + n >= target) {
      if (idx <= 0) return minSeconds;
      if (idx > buckets) return maxSeconds;
      return Math.exp(lo + (idx - 1 + (target - below) / n) * width);
    }
    below += n;
  }
  return maxSeconds;
}
