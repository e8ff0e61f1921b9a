import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { ConfigError } from '../src/lib/errors.js';
import { spawnDistill } from './support/processes.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration', () => {
  it('runs on embedded defaults when nothing is set, and treats empty values as unset', () => {
    const config = loadConfig({ DATABASE_URL: '', NATS_URL: '', OPENAI_API_KEY: '' });
    expect(config.database).toEqual({ kind: 'pglite', dataDir: './.data' });
    expect(config.nats).toEqual({ kind: 'memory' });
    expect(config.port).toBe(4000);
    expect(config.worker.concurrency).toBe(64);
    expect(config.namespace).toBe('distill');
    expect(config.retention).toEqual({ eventDays: 90, ledgerDays: 0, resultDays: 0 });
    expect(config.schedules).toEqual({ cleanup: '0 3 * * *', retryFailed: '0 */6 * * *', budgetCheck: '0 8 * * *' });
    expect(config.metricsPort).toBe(9464);
    expect(config.worker.ackWaitMs).toBe(8_000);
    expect(config.llm.cacheTtlSeconds).toBe(7 * 86_400);
    expect(config.llm.streamSummary).toBe(true);
    expect(config.llm.routes.SUMMARY).toEqual({ provider: 'local', model: 'local-extractive-v1' });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('takes a cluster as a comma-separated server list, with the replicas of its streams', () => {
    const config = loadConfig({ NATS_URL: 'nats://n1:4222, nats://n2:4222,n3', NATS_REPLICAS: '3' });
    expect(config.nats).toEqual({ kind: 'nats', servers: ['nats://n1:4222', 'nats://n2:4222', 'n3'], replicas: 3 });
    expect(loadConfig({ NATS_URL: 'nats://n1:4222' }).nats).toMatchObject({ replicas: 1 });
    expect(problemsOf({ NATS_URL: 'nats://n1:4222,', NATS_REPLICAS: '7' })).toEqual([
      'NATS_URL: must look like nats://host:4222',
      'NATS_REPLICAS: must be at most 5',
    ]);
  });

  it('reads the trusted proxies as addresses and networks', () => {
    expect(loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8, 127.0.0.1,::1' }).http.trustedProxies).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
      '::1',
    ]);
    expect(problemsOf({ TRUSTED_PROXIES: '10.0.0.0/33' })).toEqual([
      'TRUSTED_PROXIES: must be a comma-separated list of addresses or networks like 10.0.0.0/8',
    ]);
    expect(problemsOf({ TRUSTED_PROXIES: 'lb.internal' })).toHaveLength(1);
  });

  it('routes summary and keywords to OpenAI and sentiment to Anthropic when both keys are set', () => {
    const config = loadConfig({ OPENAI_API_KEY: 'a', ANTHROPIC_API_KEY: 'b' });
    expect(config.llm.routes.SUMMARY.provider).toBe('openai');
    expect(config.llm.routes.KEYWORDS.provider).toBe('openai');
    expect(config.llm.routes.SENTIMENT.provider).toBe('anthropic');
    // Fallbacks are asked for (LLM_ROUTE_<STEP> lists them): none by default.
    expect(config.llm.fallbacks.SUMMARY).toEqual([]);
  });

  it('reads a step route as a chain, and a short route for short content', () => {
    const config = loadConfig({
      OPENAI_API_KEY: 'a',
      ANTHROPIC_API_KEY: 'b',
      LLM_ROUTE_SUMMARY: 'openai:gpt-4o, anthropic:claude-sonnet-4-5 ,openai:gpt-4o-mini',
      LLM_ROUTE_KEYWORDS: 'openai:gpt-4o-mini',
      LLM_SHORT_ROUTE_SUMMARY: 'openai:gpt-4.1-nano',
      LLM_SHORT_CHARS: '1500',
    });
    expect(config.llm.routes.SUMMARY).toEqual({ provider: 'openai', model: 'gpt-4o' });
    expect(config.llm.fallbacks.SUMMARY.map((r) => r.model)).toEqual(['claude-sonnet-4-5', 'gpt-4o-mini']);
    expect(config.llm.fallbacks.KEYWORDS).toEqual([]);
    expect(config.llm.shortRoutes).toEqual({ SUMMARY: { provider: 'openai', model: 'gpt-4.1-nano' } });
    expect(config.llm.shortChars).toBe(1500);
    expect(problemsOf({ OPENAI_API_KEY: 'a', LLM_ROUTE_SUMMARY: 'openai:gpt-4o,anthropic:claude-3-5-haiku-latest' })).toEqual([
      'LLM_ROUTE_SUMMARY: routes to anthropic, but ANTHROPIC_API_KEY is not set',
    ]);
  });

  it('reads budget settings, and wants mail settings together', () => {
    const config = loadConfig({ BUDGET_MONTHLY_USD: '250.5', BUDGET_ALERT_AT: '1, 0.5,0.8', BUDGET_PAUSE_PRIORITIES: 'LOW' });
    expect(config.budget).toMatchObject({ globalLimitUsd: 250.5, alertThresholds: [0.5, 0.8, 1], pausePriorities: ['LOW'] });
    expect(loadConfig({}).budget).toMatchObject({ globalLimitUsd: undefined, pausePriorities: ['NORMAL', 'LOW'] });
    expect(problemsOf({ SMTP_URL: 'smtp://127.0.0.1:25' })).toEqual(['ALERT_EMAIL_TO: must be set when SMTP_URL is']);
    expect(problemsOf({ ALERT_EMAIL_TO: 'ops@example.com' })).toEqual(['SMTP_URL: must be set when ALERT_EMAIL_TO is']);
  });

  it('reads prompt weights per step and version, and names what is wrong with them', () => {
    const config = loadConfig({ LLM_PROMPT_WEIGHTS: 'SUMMARY:v1=90, SUMMARY:v2=10' });
    expect(config.llm.promptWeights).toEqual({ SUMMARY: { v1: 90, v2: 10 }, KEYWORDS: { v1: 1 }, SENTIMENT: { v1: 1 } });
    expect(problemsOf({ LLM_PROMPT_WEIGHTS: 'SUMMARY:v9=1,TITLE:v1=2,KEYWORDS=3,SENTIMENT:v1=0' })).toEqual([
      'LLM_PROMPT_WEIGHTS: SUMMARY has no prompt v9 (it has v1, v2)',
      'LLM_PROMPT_WEIGHTS: "TITLE:v1=2" must look like SUMMARY:v2=50 (steps: SUMMARY, KEYWORDS, SENTIMENT)',
      'LLM_PROMPT_WEIGHTS: "KEYWORDS=3" must look like SUMMARY:v2=50 (steps: SUMMARY, KEYWORDS, SENTIMENT)',
      "LLM_PROMPT_WEIGHTS: SENTIMENT's weights are all 0",
    ]);
  });

  it('reads durations in seconds, minutes, hours or days; 0 turns the cache off', () => {
    const ttl = (LLM_CACHE_TTL: string) => loadConfig({ LLM_CACHE_TTL }).llm.cacheTtlSeconds;
    expect([ttl('90'), ttl('30s'), ttl('15m'), ttl('12h'), ttl('7d'), ttl('0')]).toEqual([90, 30, 900, 43_200, 604_800, 0]);
  });

  it('reports every bad value at once, each with its variable name', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      WORKER_CONCURRENCY: '0',
      DATABASE_URL: 'mysql://x',
      LLM_ROUTE_SUMMARY: 'openai',
      LOG_LEVEL: 'loud',
      DATABASE_PREPARED_STATEMENTS: 'yes',
      EVENT_RETENTION_DAYS: '-1',
      LEDGER_RETENTION_DAYS: 'a year',
      LLM_CACHE_TTL: '7 days',
      LLM_STREAM_SUMMARY: 'yes',
      BUDGET_MONTHLY_USD: '-5',
      BUDGET_ALERT_AT: '80%',
      BUDGET_PAUSE_PRIORITIES: 'NORMAL,LOWEST',
      ALERT_WEBHOOK_URL: 'hooks.example.com',
      LLM_RATE_LIMITS: '{"openai:gpt-4o-mini":{"rpm":"fast"}}',
      LLM_CHUNK_TOKENS: '300',
      LLM_RATE_LIMIT_HEADERS: 'on',
      SCHEDULE_CLEANUP: 'at 3',
      SENTRY_DSN: 'sentry.example.com',
    });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'ALERT_WEBHOOK_URL',
      'BUDGET_ALERT_AT',
      'BUDGET_MONTHLY_USD',
      'BUDGET_PAUSE_PRIORITIES',
      'DATABASE_PREPARED_STATEMENTS',
      'DATABASE_URL',
      'EVENT_RETENTION_DAYS',
      'LEDGER_RETENTION_DAYS',
      'LLM_CACHE_TTL',
      'LLM_CHUNK_TOKENS',
      'LLM_RATE_LIMITS',
      'LLM_RATE_LIMIT_HEADERS',
      'LLM_ROUTE_SUMMARY',
      'LLM_STREAM_SUMMARY',
      'LOG_LEVEL',
      'PORT',
      'SCHEDULE_CLEANUP',
      'SENTRY_DSN',
      'WORKER_CONCURRENCY',
    ]);
  });

  it('rejects routes to providers without keys, malformed routes and bad price tables', () => {
    const problems = problemsOf({
      LLM_ROUTE_SUMMARY: 'openai:gpt-4o-mini',
      LLM_ROUTE_KEYWORDS: 'groq:llama',
      LLM_ROUTE_SENTIMENT: 'anthropic',
      LLM_PRICES: '{"m": {"input": -1}}',
      OPENAI_BASE_URL: 'http://127.0.0.1:1/v1',
      LLM_TIMEOUT_MIN_MS: '900000',
      LLM_TIMEOUT_MAX_MS: '600000',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^OPENAI_BASE_URL: .*OPENAI_API_KEY/),
        expect.stringMatching(/^LLM_ROUTE_SUMMARY: routes to openai, but OPENAI_API_KEY is not set/),
        expect.stringMatching(/^LLM_ROUTE_KEYWORDS: unknown provider "groq"/),
        expect.stringMatching(/^LLM_ROUTE_SENTIMENT: must look like provider:model/),
        expect.stringMatching(/^LLM_PRICES: /),
        expect.stringMatching(/^LLM_TIMEOUT_MIN_MS: /),
      ]),
    );
  });

  it('refuses to start with bad values: exit code 2 and the list on stderr, no stack trace', async () => {
    const child = spawnDistill('serve', { PORT: '-1', WORKER_CONCURRENCY: 'many', NATS_URL: 'not a url' });
    let stderr = '';
    child.child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const { code } = await child.exited;
    expect(code).toBe(2);
    expect(stderr).toContain('PORT:');
    expect(stderr).toContain('WORKER_CONCURRENCY:');
    expect(stderr).toContain('NATS_URL:');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects an unknown command with exit code 2 and the usage', async () => {
    const child = spawnDistill('frobnicate', {});
    let stderr = '';
    child.child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    expect((await child.exited).code).toBe(2);
    expect(stderr).toContain('usage: distill <command>');
  });
});
