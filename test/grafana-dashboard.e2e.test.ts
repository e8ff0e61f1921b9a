import { readFileSync } from 'node:fs';
import jsonata from 'jsonata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockLlmServer, type MockLlmServer } from '../src/devtools/mock-llm.server.js';
import { sampleArticle, submit } from './support/articles.js';
import { awaitSettled } from './support/await-article.js';
import { gqlRequest } from './support/graphql-client.js';
import { mockLlmEnv } from './support/mock-llm.js';
import { startPrometheus, type PrometheusServer } from './support/prometheus.js';
import { availableBackends } from './support/services.js';
import { startTestSystem, type TestSystem } from './support/system.fixture.js';

interface Target {
  refId: string;
  datasource: { type: string; uid: string };
  expr?: string;
  format?: string;
  url_options?: { body_graphql_query: string };
  root_selector?: string;
}
interface Panel {
  title: string;
  targets: Target[];
}

const dashboard = JSON.parse(readFileSync(new URL('../deploy/grafana/dashboards/distill.json', import.meta.url), 'utf8')) as {
  panels: Panel[];
};
const datasources = readFileSync(new URL('../deploy/grafana/provisioning/datasources/distill.yaml', import.meta.url), 'utf8');
const targets = dashboard.panels.flatMap((p) => p.targets.map((t) => ({ panel: p.title, ...t })));
const promTargets = targets.filter((t) => t.datasource.type === 'prometheus');
const graphqlTargets = targets.filter((t) => t.datasource.type === 'yesoreyeram-infinity-datasource');

/** What Grafana puts in place of its macros, for a window of the last hour. */
function expandPromQL(expr: string): string {
  return expr.replaceAll('$__rate_interval', '1m').replaceAll('$__range', '1h');
}
function expandGraphQL(query: string, from: Date, to: Date): string {
  return query.replaceAll('${__from:date:iso}', from.toISOString()).replaceAll('${__to:date:iso}', to.toISOString());
}

// Every panel's queries, as the provisioned dashboard holds them, against a real API and a real
// Prometheus scraping it: the dashboard cannot drift from the metrics or the schema.
describe.runIf(availableBackends().includes('real'))('the provisioned Grafana dashboard', { timeout: 90_000 }, () => {
  let mock: MockLlmServer;
  let sys: TestSystem;
  let prometheus: PrometheusServer;
  beforeAll(async () => {
    mock = await startMockLlmServer({ latencyMs: 10 });
    sys = await startTestSystem('real', { env: { ...mockLlmEnv(mock), LLM_CACHE_TTL: '7d' } });
    prometheus = await startPrometheus([sys.system.metricsUrl!]);
    // Scraped before the work (counters at 0), so rate() and increase() see it.
    await prometheus.until('up', (r) => r.length === 1 && r[0]!.value === 1);
    const complete = async (article: ReturnType<typeof sampleArticle>) => {
      const { articleId } = await submit(sys.url, article);
      expect((await awaitSettled(sys.url, articleId)).at(-1)!.type).toBe('COMPLETED');
    };
    const input = sampleArticle({ title: 'Dashboard story' });
    await complete(input);
    // Series that appear with their first call (a step's model) are scraped once before the rest.
    await prometheus.until('sum(distill_step_duration_seconds_count)', (r) => (r[0]?.value ?? 0) > 0);
    // The same article again (answered from the cache: the cache panels have data), and another.
    await complete(input);
    await complete(sampleArticle({ title: 'Another', priority: 'HIGH' }));
  });
  afterAll(async () => {
    await prometheus?.stop();
    await sys?.stop();
    await mock?.stop();
  });

  it('provisions the data sources the panels name', () => {
    for (const t of targets) expect(datasources).toContain(`uid: ${t.datasource.uid}`);
    expect(promTargets.length).toBeGreaterThanOrEqual(5);
    expect(graphqlTargets.length).toBeGreaterThanOrEqual(4);
  });

  it.each(promTargets.map((t) => [`${t.panel} / ${t.refId}`, t] as const))('Prometheus: %s', async (_name, target) => {
    const result = await prometheus.until(
      expandPromQL(target.expr!),
      (r) => r.length > 0 && r.some((s) => Number.isFinite(s.value)),
      30_000,
    );
    expect(result.length).toBeGreaterThan(0);
  });

  it.each(graphqlTargets.map((t) => [`${t.panel} / ${t.refId}`, t] as const))('GraphQL: %s', async (_name, target) => {
    const to = new Date(Date.now() + 60_000);
    const from = new Date(to.getTime() - 3_600_000);
    const res = await gqlRequest(sys.url, { query: expandGraphQL(target.url_options!.body_graphql_query, from, to) });
    expect(res.body.errors).toBeUndefined();
    const rows = (await jsonata(target.root_selector!).evaluate(res.body)) as Record<string, unknown>[];
    expect(Array.isArray(rows) && rows.length).toBeGreaterThan(0);
    if (target.format === 'timeseries')
      for (const row of rows) {
        expect(Number.isNaN(Date.parse(String(row.t)))).toBe(false);
        expect(Object.values(row).some((v) => typeof v === 'number')).toBe(true);
      }
  });
});
