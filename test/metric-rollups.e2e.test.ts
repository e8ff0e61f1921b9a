import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rollUpMetrics } from '../src/articles/timeseries.js';
import { startMockLlmServer, type MockLlmServer } from '../src/devtools/mock-llm.server.js';
import type { Metric, MetricLabel } from '../src/lib/vocabulary.js';
import { sampleArticle, submit } from './support/articles.js';
import { awaitSettled } from './support/await-article.js';
import { gql } from './support/graphql-client.js';
import { mockLlmEnv } from './support/mock-llm.js';
import { MetricSeries } from './support/operations.js';
import { availableBackends } from './support/services.js';
import { startTestSystem, type TestSystem } from './support/system.fixture.js';

const MINUTE = 60_000;
/** Sums of USD in floating point differ in the last digits by the order they were added. */
const round = (v: number) => Math.round(v * 1e9) / 1e9;
const ARTICLES = 10;

describe.each(availableBackends())('time series rollups on %s services', (backend) => {
  let mock: MockLlmServer;
  let sys: TestSystem;
  const from = new Date(Math.floor(Date.now() / MINUTE) * MINUTE - 60 * MINUTE);
  const to = new Date(from.getTime() + 70 * MINUTE);

  beforeAll(async () => {
    mock = await startMockLlmServer({ latencyMs: 5 });
    sys = await startTestSystem(backend, { env: mockLlmEnv(mock) });
    const submitted = await Promise.all(
      Array.from({ length: ARTICLES }, (_, i) =>
        submit(sys.url, sampleArticle({ title: `Rolled ${i}`, priority: i < 4 ? 'HIGH' : 'LOW' })),
      ),
    );
    for (const { articleId } of submitted) expect((await awaitSettled(sys.url, articleId)).at(-1)!.type).toBe('COMPLETED');
    // Half an hour ago, the i-th job having taken i + 1 seconds from queued to finished.
    const db = sys.system.infra.db;
    await sql`update articles set created_at = created_at - interval '30 minutes'`.execute(db);
    await sql`
      update jobs set queued_at = finished_at - interval '30 minutes' - make_interval(secs => n.i),
                      started_at = finished_at - interval '30 minutes' - make_interval(secs => n.i) + interval '0.5 seconds',
                      finished_at = finished_at - interval '30 minutes'
      from (select id, row_number() over (order by article_id) as i from jobs) as n where n.id = jobs.id`.execute(db);
    await sql`update llm_calls set created_at = created_at - interval '30 minutes'`.execute(db);
    // History written after the fact: the rollups start over (in use, rows come with the time they are written).
    await sql`delete from metric_rollup_state`.execute(db);
    await sql`delete from metric_rollups`.execute(db);
  });
  afterAll(async () => {
    await sys.stop();
    await mock.stop();
  });

  const series = async (metric: Metric, groupBy: MetricLabel[] = [], stepSeconds = 600) =>
    (
      await gql(sys.url, MetricSeries, {
        query: { metric, from: from.toISOString(), to: to.toISOString(), stepSeconds, groupBy },
      })
    ).timeseries;
  const totals = async (metric: Metric, groupBy: MetricLabel[] = []) =>
    Object.fromEntries(
      (await series(metric, groupBy)).map((s) => [
        s.labels.map((l) => l.value).join('/'),
        round(s.points.reduce((n, p) => n + p.v, 0)),
      ]),
    );
  const CHARTS: [Metric, MetricLabel[]][] = [
    ['ARTICLES_SUBMITTED', ['PRIORITY']],
    ['JOBS_SUCCEEDED', ['PRIORITY', 'STATUS']],
    ['LLM_CALLS', ['STEP', 'PROVIDER']],
    ['LLM_TOKENS', ['MODEL']],
    ['LLM_COST_USD', []],
  ];

  it('answers the same from the rollups as from the raw rows, and keeps answering when the raw rows are gone', async () => {
    const raw = await Promise.all(CHARTS.map(([m, g]) => totals(m, g)));
    expect(raw[0]).toEqual({ HIGH: 4, LOW: 6 });
    expect(raw[2]).toMatchObject({ 'SUMMARY/openai': ARTICLES, 'SENTIMENT/anthropic': ARTICLES });

    const rolled = await rollUpMetrics(sys.system.infra.db);
    // Rolled up from the first row to two minutes ago: the half hour back is in the rollups.
    expect(rolled.ARTICLES_SUBMITTED).toBeGreaterThanOrEqual(28);
    expect(await Promise.all(CHARTS.map(([m, g]) => totals(m, g)))).toEqual(raw);

    // The ledger's rows gone (as retention drops old months): the rolled-up minutes still answer.
    await sql`delete from llm_calls`.execute(sys.system.infra.db);
    expect(await totals('LLM_CALLS', ['STEP', 'PROVIDER'])).toEqual(raw[2]);
  });

  it('estimates percentiles from histograms within their bucket width', async () => {
    // Durations 1 … 10 s: the exact p95 is 9.55 s and the p50 5.5 s; buckets are 22 % wide.
    const [p95] = await series('PROCESSING_TIME_P95', [], 4_200);
    const [p50] = await series('PROCESSING_TIME_P50', [], 4_200);
    expect(p95!.points).toHaveLength(1);
    expect(p95!.points[0]!.v).toBeGreaterThan(9.55 / 1.22);
    expect(p95!.points[0]!.v).toBeLessThan(9.55 * 1.22);
    expect(p50!.points[0]!.v).toBeGreaterThan(5.5 / 1.22);
    expect(p50!.points[0]!.v).toBeLessThan(5.5 * 1.22);
    const [wait] = await series('QUEUE_WAIT_P95', [], 4_200);
    expect(wait!.points[0]!.v).toBeGreaterThan(0.5 / 1.22);
    expect(wait!.points[0]!.v).toBeLessThan(0.5 * 1.22);
  });
});
