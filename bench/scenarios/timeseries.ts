import pg from 'pg';
import { BENCH_APPLICATION } from '../lib/completions.js';
import { authHeaders, startDistill } from '../lib/distill.js';
import { createBenchEnvironment } from '../lib/environment.js';
import { round, summarize } from '../lib/stats.js';
import { METRICS } from '../../src/lib/vocabulary.js';
import { seedFinishedArticles } from './scale.js';

const REQUESTS = 30;
const QUERY = `query ($q: TimeseriesQuery!) { timeseries(query: $q) { labels { value } points { t v } } }`;

/** The charts a dashboard draws, each over the last 24 h at 1-minute steps. */
const CHARTS = [
  { metric: 'ARTICLES_SUBMITTED', groupBy: ['PRIORITY'] },
  { metric: 'JOBS_SUCCEEDED', groupBy: ['PRIORITY'] },
  { metric: 'JOBS_FAILED', groupBy: [] },
  { metric: 'PROCESSING_TIME_P95', groupBy: [] },
  { metric: 'QUEUE_WAIT_P95', groupBy: ['PRIORITY'] },
  { metric: 'LLM_CALLS', groupBy: ['STEP'] },
  { metric: 'LLM_COST_USD', groupBy: ['MODEL'] },
] as const;

/**
 * `timeseries` at scale (after the API's first rollup of the seeded history, timed): a deployment seeded with `articles` finished articles (each with its job,
 * three ledger rows and four events, one second apart up to now: the last 24 h hold 86,400 jobs
 * and 259,200 ledger rows), an API process, and each chart asked REQUESTS times in a row through
 * GraphQL (the bench key's tenant, so the tenant join is included). Latency p50/p99 per chart.
 */
export async function benchTimeseries(quick: boolean) {
  const articles = quick ? 200_000 : 1_000_000;
  const environment = await createBenchEnvironment();
  const client = new pg.Client({ connectionString: environment.databaseUrl, application_name: BENCH_APPLICATION });
  await client.connect();
  const seedStart = performance.now();
  await seedFinishedArticles(client, articles);
  const seedSeconds = round((performance.now() - seedStart) / 1000);
  const distill = await startDistill(environment, { worker: false });
  try {
    // The API's rollup upkeep starts at once over the seeded history; wait for it to reach now.
    const rollupStart = performance.now();
    for (;;) {
      const { rows } = await client.query<{ n: number }>(
        `select count(*)::int as n from metric_rollup_state where rolled_to >= now() - interval '3 minutes'`,
      );
      if (rows[0]!.n === METRICS.length) break;
      if (performance.now() - rollupStart > 600_000) throw new Error('the rollups did not reach now within 10 minutes');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const rollupSeconds = round((performance.now() - rollupStart) / 1000);
    const to = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 60_000);
    const from = new Date(to.getTime() - 86_400_000);
    const ask = async (chart: (typeof CHARTS)[number]) => {
      const res = await fetch(`${distill.apiUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...authHeaders(distill.apiUrl) },
        body: JSON.stringify({ query: QUERY, variables: { q: { ...chart, from, to, stepSeconds: 60 } } }),
      });
      const body = (await res.json()) as { errors?: unknown; data?: { timeseries: { points: unknown[] }[] } };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data!.timeseries;
    };
    // Every chart warmed up before any is measured: the first reads of freshly rolled-up rows
    // (hint bits) and the API's cold code are not what a dashboard sees.
    for (const chart of CHARTS) for (let i = 0; i < 3; i++) await ask(chart);
    const charts = [];
    for (const chart of CHARTS) {
      const latencies: number[] = [];
      let series: { points: unknown[] }[] = [];
      for (let i = 0; i < REQUESTS; i++) {
        const t = performance.now();
        series = await ask(chart);
        latencies.push(performance.now() - t);
      }
      const s = summarize(latencies);
      charts.push({
        chart: `${chart.metric}${chart.groupBy.length ? ` by ${chart.groupBy.join(',')}` : ''}`,
        series: series.length,
        points: series.reduce((n, x) => n + x.points.length, 0),
        p50Ms: round(s.p50, 1),
        p99Ms: round(s.p99, 1),
      });
    }
    return { seededArticles: articles, seedSeconds, rollupSeconds, window: '24 h at 60 s', requestsPerChart: REQUESTS, charts };
  } finally {
    await client.end();
    await distill.stop();
    await environment.cleanup();
  }
}
