import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockLlmServer, type MockLlmServer } from '../src/devtools/mock-llm.server.js';
import { checkTimeseriesQuery } from '../src/articles/timeseries.js';
import type { Metric, MetricLabel } from '../src/lib/vocabulary.js';
import { sampleArticle, submit } from './support/articles.js';
import { awaitSettled } from './support/await-article.js';
import { gql, gqlRequest } from './support/graphql-client.js';
import { mockLlmEnv } from './support/mock-llm.js';
import { CostReport, MetricSeries } from './support/operations.js';
import { availableBackends } from './support/services.js';
import { startTestSystem, type TestSystem } from './support/system.fixture.js';

const MINUTE = 60_000;

describe('checkTimeseriesQuery', () => {
  const base = { metric: 'LLM_CALLS' as const, from: new Date(0), to: new Date(3_600_000), stepSeconds: 60 };
  it('lets only admins group by tenant', () => {
    expect(checkTimeseriesQuery({ ...base, groupBy: ['TENANT'] }, true)).toBeUndefined();
    expect(checkTimeseriesQuery({ ...base, groupBy: ['TENANT'] }, false)).toEqual({
      argument: 'query.groupBy',
      message: 'TENANT is for admins',
    });
    expect(checkTimeseriesQuery({ ...base, groupBy: ['STEP', 'MODEL'] }, false)).toBeUndefined();
  });
});

describe.each(availableBackends())('timeseries over GraphQL on %s services', (backend) => {
  let mock: MockLlmServer;
  let sys: TestSystem;
  // A window of whole minutes around the test's work.
  const from = new Date(Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE);
  let to: Date;

  beforeAll(async () => {
    mock = await startMockLlmServer({ latencyMs: 20 });
    sys = await startTestSystem(backend, { env: mockLlmEnv(mock) });
    const submitted = await Promise.all(
      Array.from({ length: 9 }, (_, i) =>
        submit(sys.url, sampleArticle({ title: `Charted ${i}`, priority: i < 3 ? 'HIGH' : 'NORMAL' })),
      ),
    );
    for (const { articleId } of submitted) expect((await awaitSettled(sys.url, articleId)).at(-1)!.type).toBe('COMPLETED');
    to = new Date(Math.ceil((Date.now() + 1) / MINUTE) * MINUTE + MINUTE);
  });
  afterAll(async () => {
    await sys.stop();
    await mock.stop();
  });

  const series = async (metric: Metric, groupBy: MetricLabel[] = [], stepSeconds = 60) =>
    (
      await gql(sys.url, MetricSeries, {
        query: { metric, from: from.toISOString(), to: to.toISOString(), stepSeconds, groupBy },
      })
    ).timeseries;
  const total = (s: { points: { v: number }[] }) => s.points.reduce((n, p) => n + p.v, 0);
  const byLabel = (list: Awaited<ReturnType<typeof series>>) =>
    Object.fromEntries(list.map((s) => [s.labels.map((l) => l.value).join('/'), total(s)]));

  it('sums to what was submitted, per priority, in buckets that start at `from`', async () => {
    const submitted = await series('ARTICLES_SUBMITTED', ['PRIORITY']);
    expect(byLabel(submitted)).toEqual({ HIGH: 3, NORMAL: 6 });
    const [high] = submitted;
    const buckets = (to.getTime() - from.getTime()) / MINUTE;
    // Counts are 0 where nothing happened: one point per bucket, from `from` on.
    expect(high!.points).toHaveLength(buckets);
    expect(new Date(high!.points[0]!.t).getTime()).toBe(from.getTime());
    expect(high!.labels).toEqual([{ name: 'PRIORITY', value: 'HIGH' }]);
  });

  it('counts jobs and booked calls, and their cost adds up to the cost report', async () => {
    expect(byLabel(await series('JOBS_SUCCEEDED', ['STATUS', 'PRIORITY']))).toEqual({
      'SUCCEEDED/HIGH': 3,
      'SUCCEEDED/NORMAL': 6,
    });
    expect(byLabel(await series('JOBS_FAILED'))).toEqual({ '': 0 });
    expect(byLabel(await series('LLM_CALLS', ['STEP']))).toEqual({ SUMMARY: 9, KEYWORDS: 9, SENTIMENT: 9 });
    expect(byLabel(await series('CACHE_HITS'))).toEqual({ '': 0 });
    const providers = byLabel(await series('LLM_COST_USD', ['PROVIDER']));
    const { costReport } = await gql(sys.url, CostReport, { days: 1 });
    expect(providers.openai! + providers.anthropic!).toBeCloseTo(costReport.totalUsd, 8);
    expect(total((await series('LLM_TOKENS'))[0]!)).toBeGreaterThan(0);
  });

  it('gives percentiles only where jobs finished', async () => {
    const [p95] = await series('PROCESSING_TIME_P95', [], 3_600);
    expect(p95!.points.length).toBeGreaterThanOrEqual(1);
    expect(p95!.points.every((p) => p.v > 0)).toBe(true);
    const [p50] = await series('PROCESSING_TIME_P50', [], 3_600);
    expect(p50!.points[0]!.v).toBeLessThanOrEqual(p95!.points[0]!.v);
    const [wait] = await series('QUEUE_WAIT_P95', ['PRIORITY'], 3_600);
    expect(wait!.points.every((p) => p.v >= 0)).toBe(true);
  });

  it('refuses a query it cannot answer, naming the argument', async () => {
    const ask = async (query: Record<string, unknown>) => {
      const res = await gqlRequest(sys.url, {
        query: 'query($q: TimeseriesQuery!) { timeseries(query: $q) { metric } }',
        variables: { q: { metric: 'JOBS_SUCCEEDED', from, to, stepSeconds: 60, ...query } },
      });
      expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      return res.body.errors![0]!.message;
    };
    expect(await ask({ to: from })).toMatch(/^query\.to: must be after query\.from/);
    expect(await ask({ stepSeconds: 0 })).toMatch(/^query\.stepSeconds/);
    expect(await ask({ stepSeconds: 1, to: new Date(from.getTime() + 86_400_000) })).toMatch(/at most 11000/);
    expect(await ask({ groupBy: ['STEP'] })).toMatch(/^query\.groupBy: JOBS_SUCCEEDED has no label STEP/);
  });
});
