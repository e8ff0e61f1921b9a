import { visibleTenant } from '../../access/viewer.js';
import { checkTimeseriesQuery, type TimeSeries as TimeSeriesShape } from '../../articles/timeseries.js';
import { METRIC_LABELS, METRICS } from '../../lib/vocabulary.js';
import { requiresScope } from '../operation-guard.js';
import { builder } from './builder.js';
import { argumentError } from './connection.js';

const MetricEnum = builder.enumType('Metric', { values: METRICS });
const MetricLabelEnum = builder.enumType('MetricLabel', { values: METRIC_LABELS });

const TimeseriesQuery = builder.inputType('TimeseriesQuery', {
  description:
    'A metric from `from` to `to` (exclusive) in buckets of `stepSeconds` that start at `from` (at the minute of `from` when `stepSeconds` is whole minutes).',
  fields: (t) => ({
    metric: t.field({ type: MetricEnum, required: true }),
    from: t.field({ type: 'DateTime', required: true }),
    to: t.field({ type: 'DateTime', required: true }),
    stepSeconds: t.int({ required: true, description: 'At most 11,000 buckets from `from` to `to`.' }),
    groupBy: t.field({ type: [MetricLabelEnum], description: 'One series per combination of these labels (TENANT: admins).' }),
  }),
});

type LabelShape = TimeSeriesShape['labels'][number];
type PointShape = TimeSeriesShape['points'][number];

const Label = builder.objectRef<LabelShape>('Label').implement({
  fields: (t) => ({ name: t.exposeString('name'), value: t.exposeString('value') }),
});

const Point = builder.objectRef<PointShape>('Point').implement({
  fields: (t) => ({
    t: t.field({ type: 'DateTime', description: 'The bucket’s start.', resolve: (p) => p.t }),
    v: t.exposeFloat('v'),
  }),
});

const TimeSeries = builder.objectRef<TimeSeriesShape>('TimeSeries').implement({
  description:
    'One series: counts and sums are 0 in buckets where nothing happened; percentiles have points only where something did.',
  fields: (t) => ({
    metric: t.field({ type: MetricEnum, resolve: (s) => s.metric }),
    labels: t.field({ type: [Label], resolve: (s) => s.labels }),
    points: t.field({ type: [Point], resolve: (s) => s.points }),
  }),
});

builder.queryFields((t) => ({
  timeseries: t.field({
    type: [TimeSeries],
    description:
      'Grafana-style time series computed from PostgreSQL (every process, across restarts): your tenant’s, or every tenant’s for admins.',
    extensions: requiresScope('articles:read'),
    args: { query: t.arg({ type: TimeseriesQuery, required: true }) },
    resolve: (_root, { query }, ctx) => {
      const tenant = visibleTenant(ctx.viewer);
      const q = { ...query, groupBy: query.groupBy ?? [] };
      const problem = checkTimeseriesQuery(q, tenant === null);
      if (problem) throw argumentError(problem.argument, problem.message);
      return ctx.operations.timeseries(q, tenant);
    },
  }),
}));
