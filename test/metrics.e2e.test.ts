import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockLlmServer, type MockLlmServer } from '../src/devtools/mock-llm.server.js';
import { sampleArticle } from './support/articles.js';
import { gql, wsSubscribe } from './support/graphql-client.js';
import { mockLlmEnv } from './support/mock-llm.js';
import { ArticleFeed, SubmitArticles } from './support/operations.js';
import { startPrometheus, type PrometheusServer } from './support/prometheus.js';
import { availableBackends } from './support/services.js';
import { createTestEnvironment, startApiAndWorkers, type TestEnvironment } from './support/system.fixture.js';

const ARTICLES = 30;

describe.runIf(availableBackends().includes('real'))('Prometheus metrics of an API and two workers', { timeout: 90_000 }, () => {
  let mock: MockLlmServer;
  let environment: TestEnvironment;
  let deployment: Awaited<ReturnType<typeof startApiAndWorkers>>;
  let prometheus: PrometheusServer;
  let targets: string[];
  beforeAll(async () => {
    mock = await startMockLlmServer({ latencyMs: 20 });
    environment = await createTestEnvironment('real', mockLlmEnv(mock));
    deployment = await startApiAndWorkers(environment, ['metrics-a', 'metrics-b']);
    targets = [deployment.api, ...deployment.workers].map((s) => s.system.metricsUrl!);
    prometheus = await startPrometheus(targets);
  });
  afterAll(async () => {
    await prometheus?.stop();
    await deployment?.stop();
    await environment?.cleanup();
    await mock.stop();
  });

  it('serves the text format on the API port and on each worker port, with bounded labels', async () => {
    expect(targets[0]).toBe(`${deployment.api.url}/metrics`);
    for (const target of targets) {
      const res = await fetch(target);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      expect(text).toContain('# TYPE distill_jobs_total counter');
      expect(text).toContain('nodejs_eventloop_lag_seconds');
      expect(text).toContain('process_cpu_seconds_total');
      expect(text).not.toMatch(/article_?id|job_?id/i);
    }
  });

  it('answers PromQL over all three processes after a burst', async () => {
    // Every process scraped (its counters at 0) before the burst: rate() then sees the increase.
    const up = await prometheus.until('up', (r) => r.length === 3 && r.every((s) => s.value === 1));
    expect(up).toHaveLength(3);
    const feed = await wsSubscribe(deployment.api.url, ArticleFeed, {});
    const { submitArticles } = await gql(deployment.api.url, SubmitArticles, {
      input: Array.from({ length: ARTICLES }, (_, i) =>
        sampleArticle({ title: `Scraped ${i}`, priority: i % 3 === 0 ? 'HIGH' : 'NORMAL' }),
      ),
    });
    if (submitArticles.__typename !== 'SubmitArticlesPayload') throw new Error(JSON.stringify(submitArticles));
    let completed = 0;
    await feed.events.until((e) => e.articleFeed.type === 'COMPLETED' && ++completed === ARTICLES, 60_000);
    await feed.close();

    // Counters summed over the processes that did the work: the API counts submits, the workers jobs.
    await prometheus.until('sum(distill_articles_submitted_total)', (r) => r[0]?.value === ARTICLES);
    const byPriority = await prometheus.until(
      'sum by (priority) (distill_jobs_total{outcome="succeeded"})',
      (r) => r.reduce((n, s) => n + s.value, 0) === ARTICLES,
    );
    expect(Object.fromEntries(byPriority.map((s) => [s.metric.priority, s.value]))).toEqual({ HIGH: 10, NORMAL: 20, LOW: 0 });
    await prometheus.until('sum(rate(distill_jobs_total[1m]))', (r) => (r[0]?.value ?? 0) > 0);
    const calls = await prometheus.query('sum by (step) (distill_llm_calls_total)');
    expect(Object.fromEntries(calls.map((s) => [s.metric.step, Number(s.value[1])]))).toEqual({
      SUMMARY: ARTICLES,
      KEYWORDS: ARTICLES,
      SENTIMENT: ARTICLES,
    });
    const cost = await prometheus.query('sum by (provider) (distill_llm_cost_usd_total)');
    expect(cost.map((s) => s.metric.provider).sort()).toEqual(['anthropic', 'openai']);
    expect(cost.every((s) => Number(s.value[1]) > 0)).toBe(true);
    const tokens = await prometheus.query('sum(distill_llm_tokens_total{direction="output"})');
    expect(Number(tokens[0]!.value[1])).toBeGreaterThan(0);
    // Histograms: every job's duration and each step's calls were observed.
    const durations = await prometheus.query('sum(distill_job_duration_seconds_count)');
    expect(Number(durations[0]!.value[1])).toBe(ARTICLES);
    const p95 = await prometheus.query('histogram_quantile(0.95, sum by (le) (distill_step_duration_seconds_bucket))');
    expect(Number(p95[0]!.value[1])).toBeGreaterThan(0);
    // The queue as JetStream reports it, the same in every process: drained.
    const pending = await prometheus.until('max by (priority) (distill_queue_pending)', (r) => r.length === 3);
    expect(pending.every((s) => s.value === 0)).toBe(true);
  });
});
