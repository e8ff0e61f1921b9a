// Writes dashboards/distill.json (npm run grafana): panels declared once, in code, so their JSON stays valid.
import { writeFileSync } from 'node:fs';
const prom = { type: 'prometheus', uid: 'distill-prometheus' };
const gqlDs = { type: 'yesoreyeram-infinity-datasource', uid: 'distill-graphql' };
// The series as one wide frame (a time column, a column per series): what Grafana charts as it is. Always an array.
const WIDE =
  '$append([], ( $p := data.timeseries.( $l := $join(labels.value, "/"); points.{ "t": t, "s": $l ? $l : "value", "v": v } ); $distinct($p.t).( $t := $; $merge([{ "t": $t }, $p[t = $t].{ s: v }]) ) ))';
const series = (metric: string, stepSeconds: number, groupBy: string[] = []) =>
  `query { timeseries(query: { metric: ${metric}, from: "\${__from:date:iso}", to: "\${__to:date:iso}", stepSeconds: ${stepSeconds}${groupBy.length ? `, groupBy: [${groupBy.join(', ')}]` : ''} }) { labels { value } points { t v } } }`;
const graphql = (refId: string, query: string, rootSelector: string, format: string) => ({
  refId,
  datasource: gqlDs,
  type: 'graphql',
  source: 'url',
  parser: 'backend',
  format,
  url: 'http://api:4000/graphql',
  url_options: { method: 'POST', body_type: 'graphql', body_graphql_query: query },
  root_selector: rootSelector,
});
const promTarget = (refId: string, expr: string, legendFormat: string) => ({ refId, datasource: prom, expr, legendFormat });
let id = 0;
type Target = ReturnType<typeof graphql> | ReturnType<typeof promTarget>;
const panel = (
  title: string,
  type: string,
  gridPos: { x: number; y: number; w: number; h: number },
  targets: Target[],
  unit?: string,
) => ({
  id: ++id,
  title,
  type,
  gridPos,
  datasource: targets[0]!.datasource,
  fieldConfig: { defaults: unit ? { unit } : {}, overrides: [] },
  options: {},
  targets,
});
const dashboard = {
  uid: 'distill',
  title: 'Distill',
  tags: ['distill'],
  timezone: 'utc',
  schemaVersion: 39,
  refresh: '30s',
  time: { from: 'now-6h', to: 'now' },
  panels: [
    panel(
      'Jobs per second by outcome (live)',
      'timeseries',
      { x: 0, y: 0, w: 12, h: 8 },
      [promTarget('A', 'sum by (outcome) (rate(distill_jobs_total[$__rate_interval]))', '{{outcome}}')],
      'ops',
    ),
    panel(
      'Success rate (live)',
      'stat',
      { x: 12, y: 0, w: 6, h: 8 },
      [
        promTarget(
          'A',
          'sum(rate(distill_jobs_total{outcome="succeeded"}[$__rate_interval])) / clamp_min(sum(rate(distill_jobs_total{outcome=~"succeeded|failed"}[$__rate_interval])), 1e-9)',
          'success rate',
        ),
      ],
      'percentunit',
    ),
    panel('Workers', 'table', { x: 18, y: 0, w: 6, h: 8 }, [
      graphql('A', 'query { workers { id host state inFlight processed failed lastSeenAt } }', 'data.workers', 'table'),
    ]),
    panel(
      'p95 durations (live)',
      'timeseries',
      { x: 0, y: 8, w: 12, h: 8 },
      [
        promTarget(
          'A',
          'histogram_quantile(0.95, sum by (le) (rate(distill_job_duration_seconds_bucket[$__rate_interval])))',
          'job',
        ),
        promTarget(
          'B',
          'histogram_quantile(0.95, sum by (le) (rate(distill_job_queue_wait_seconds_bucket[$__rate_interval])))',
          'queue wait',
        ),
        promTarget(
          'C',
          'histogram_quantile(0.95, sum by (le, step) (rate(distill_step_duration_seconds_bucket[$__rate_interval])))',
          '{{step}}',
        ),
      ],
      's',
    ),
    panel('Queue depth by priority (live)', 'timeseries', { x: 12, y: 8, w: 12, h: 8 }, [
      promTarget('A', 'max by (priority) (distill_queue_pending)', '{{priority}}'),
      promTarget('B', 'max by (priority) (distill_queue_in_flight)', '{{priority}} in flight'),
    ]),
    panel('Jobs succeeded per 5 minutes by priority (history)', 'timeseries', { x: 0, y: 16, w: 12, h: 8 }, [
      graphql('A', series('JOBS_SUCCEEDED', 300, ['PRIORITY']), WIDE, 'timeseries'),
    ]),
    panel(
      'p95 processing time per 5 minutes (history)',
      'timeseries',
      { x: 12, y: 16, w: 12, h: 8 },
      [graphql('A', series('PROCESSING_TIME_P95', 300), WIDE, 'timeseries')],
      's',
    ),
    panel(
      'Cost per day by model (history)',
      'barchart',
      { x: 0, y: 24, w: 12, h: 8 },
      [graphql('A', series('LLM_COST_USD', 86400, ['MODEL']), WIDE, 'timeseries')],
      'currencyUSD',
    ),
    panel(
      'Cache savings',
      'stat',
      { x: 12, y: 24, w: 6, h: 8 },
      [promTarget('A', 'sum(increase(distill_cache_saved_usd_total[$__range]))', 'saved')],
      'currencyUSD',
    ),
    panel('Cache hits per hour (history)', 'timeseries', { x: 18, y: 24, w: 6, h: 8 }, [
      graphql('A', series('CACHE_HITS', 3600), WIDE, 'timeseries'),
    ]),
  ],
};
writeFileSync(new URL('./dashboards/distill.json', import.meta.url), JSON.stringify(dashboard, null, 2) + '\n');
