import { Cron } from 'croner';
import os from 'node:os';
import net from 'node:net';
import { z } from 'zod';
import { ConfigError } from '../lib/errors.js';
import { PRIORITIES, PROMPT_VERSIONS, STEP_NAMES, type Priority, type StepName } from '../lib/vocabulary.js';
import { loadLlmSettings, type LlmSettings } from './llm-settings.js';

/** Empty strings count as unset, so `DATABASE_URL= npm start` runs embedded. */
const optionalString = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());
const int = (def: number, min: number, max: number) =>
  z.preprocess(
    (v) => (v === '' || v === undefined ? def : v),
    z.coerce
      .number({ error: 'must be a whole number' })
      .int('must be a whole number')
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`),
  );
const url = (protocols: string[]) =>
  z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .refine(
        (s) => {
          try {
            return protocols.includes(new URL(s).protocol);
          } catch {
            return false;
          }
        },
        `must be a URL starting with ${protocols.join(' or ')}//`,
      )
      .optional(),
  );

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };
/** A duration in seconds, written `604800`, `30s`, `15m`, `12h` or `7d`. */
const durationSeconds = (def: string) =>
  z.preprocess(
    (v) => (v === '' || v === undefined ? def : v),
    z
      .string()
      .regex(/^\d+[smhd]?$/, 'must be a duration like 7d, 12h, 15m, 30s or a number of seconds')
      .transform((v) => Number.parseInt(v, 10) * (DURATION_UNITS[v.slice(-1)] ?? 1)),
  );

/** A cron expression (5 fields, or 6 with seconds first) or `off`; unset: `def`. */
const cron = (def: string) =>
  z.preprocess(
    (v) => (v === '' || v === undefined ? def : v),
    z
      .string()
      .refine((v) => v === 'off' || isCron(v), 'must be a cron expression like "0 */6 * * *", or off')
      .transform((v) => (v === 'off' ? undefined : v)),
  );

function isCron(pattern: string): boolean {
  try {
    new Cron(pattern, { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}

/** A comma-separated list, each item checked by `item`; empty or unset: `def`. */
const list = <T extends z.ZodTypeAny>(item: T, def: string) =>
  z.preprocess(
    (v) =>
      String(v === '' || v === undefined ? def : v)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    z.array(item),
  );
const fraction = z.coerce
  .number({ error: 'must be fractions of the limit, e.g. 0.8,1' })
  .gt(0, 'must be fractions of the limit above 0, e.g. 0.8,1')
  .max(10, 'must be fractions of the limit, e.g. 0.8,1 (at most 10)');

const bool = z.preprocess((v) => (v === '' ? undefined : v), z.enum(['true', 'false']).optional());
/** A comma-separated list (empty: none), each item checked by `valid`. */
const commaList = (valid: (item: string) => boolean, message: string) =>
  z.preprocess(
    (v) =>
      v === '' || v === undefined
        ? []
        : String(v)
            .split(',')
            .map((item) => item.trim())
            .filter(Boolean),
    z.array(z.string().refine(valid, message)),
  );

/** Addresses (`10.0.0.5`) or networks (`10.0.0.0/8`), IPv4 or IPv6. */
const addressList = commaList((a) => {
  const [address, bits, ...rest] = a.split('/');
  const family = net.isIP(address!);
  if (family === 0 || rest.length > 0) return false;
  return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}, 'must be a comma-separated list of addresses or networks like 10.0.0.0/8');

const origins = commaList((o) => {
  try {
    return new URL(o).origin === o;
  } catch {
    return false;
  }
}, 'must be a comma-separated list of origins like https://app.example.com (scheme, host, optional port)');

const envSchema = z.object({
  NODE_ENV: optionalString,
  HOST: optionalString,
  PORT: int(4000, 0, 65535),
  METRICS_PORT: int(9464, 0, 65535),
  LOG_LEVEL: z.preprocess(
    (v) => (v === '' || v === undefined ? 'info' : v),
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  ),
  DATABASE_URL: url(['postgres:', 'postgresql:']),
  DATABASE_POOL_SIZE: int(10, 1, 200),
  DATABASE_QUERY_TIMEOUT_MS: int(30_000, 100, 3_600_000),
  DATABASE_PREPARED_STATEMENTS: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['true', 'false']).default('true')),
  DATA_DIR: optionalString,
  NATS_URL: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .regex(
        /^((nats|tls|wss?):\/\/)?[^\s:/,]+(:\d+)?(,\s*((nats|tls|wss?):\/\/)?[^\s:/,]+(:\d+)?)*$/,
        'must look like nats://host:4222',
      )
      .optional(),
  ),
  NATS_REPLICAS: int(1, 1, 5),
  DISTILL_NAMESPACE: z.preprocess(
    (v) => (v === '' || v === undefined ? 'distill' : v),
    z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1-32 letters, digits, _ or -'),
  ),
  WORKER_CONCURRENCY: int(64, 1, 10_000),
  WORKER_ID: optionalString,
  JOB_MAX_ATTEMPTS: int(5, 1, 100),
  JOB_BACKOFF_BASE_MS: int(1_000, 0, 3_600_000),
  JOB_BACKOFF_MAX_MS: int(60_000, 0, 3_600_000),
  JOB_ACK_WAIT_MS: int(8_000, 1_000, 3_600_000),
  JOB_DEADLINE_MS: int(3_600_000, 1_000, 7 * 24 * 3_600_000),
  PRIORITY_AGING_MS: int(10_000, 0, 3_600_000),
  SHUTDOWN_GRACE_MS: int(25_000, 0, 3_600_000),
  OUTBOX_RELAY_INTERVAL_MS: int(1_000, 50, 600_000),
  LLM_TIMEOUT_MS_PER_1K_CHARS: int(5_000, 1, 600_000),
  LLM_TIMEOUT_MIN_MS: int(60_000, 100, 3_600_000),
  LLM_TIMEOUT_MAX_MS: int(600_000, 100, 3_600_000),
  LLM_CACHE_TTL: durationSeconds('7d'),
  LLM_SHORT_CHARS: int(2_000, 0, 10_000_000),
  LLM_CHUNK_TOKENS: int(8_000, 1_000, 2_000_000),
  LLM_PROMPT_WEIGHTS: optionalString,
  LLM_CIRCUIT_FAILURES: int(5, 1, 1_000),
  LLM_CIRCUIT_HALF_OPEN_MS: int(30_000, 100, 3_600_000),
  LLM_STREAM_SUMMARY: bool,
  LLM_RATE_LIMIT_HEADERS: bool,
  BUDGET_MONTHLY_USD: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number({ error: 'must be an amount in USD, e.g. 500' }).positive('must be above 0').optional(),
  ),
  BUDGET_ALERT_AT: list(fraction, '0.8,1'),
  BUDGET_PAUSE_PRIORITIES: list(z.enum(PRIORITIES, { error: 'must list priorities: HIGH, NORMAL, LOW' }), 'NORMAL,LOW'),
  BUDGET_RESUME_INTERVAL_MS: int(30_000, 100, 3_600_000),
  ALERT_WEBHOOK_URL: url(['http:', 'https:']),
  SENTRY_DSN: url(['http:', 'https:']),
  SENTRY_ENVIRONMENT: optionalString,
  SMTP_URL: url(['smtp:', 'smtps:']),
  ALERT_EMAIL_TO: list(z.email('must be email addresses, comma-separated'), ''),
  ALERT_EMAIL_FROM: z.preprocess((v) => (v === '' || v === undefined ? 'distill@localhost' : v), z.string()),
  OPENAI_BASE_URL: url(['http:', 'https:']),
  ANTHROPIC_BASE_URL: url(['http:', 'https:']),
  MAX_CONTENT_CHARS: int(100_000, 1, 10_000_000),
  MAX_BODY_BYTES: int(2_000_000, 1_024, 100_000_000),
  MAX_BATCH_ITEMS: int(1_000, 1, 100_000),
  IDEMPOTENCY_TTL_MS: int(24 * 3_600_000, 1_000, 30 * 24 * 3_600_000),
  EVENT_RETENTION_DAYS: int(90, 0, 36_500),
  LEDGER_RETENTION_DAYS: int(0, 0, 36_500),
  RESULT_RETENTION_DAYS: int(0, 0, 36_500),
  SCHEDULE_CLEANUP: cron('0 3 * * *'),
  SCHEDULE_RETRY_FAILED: cron('0 */6 * * *'),
  SCHEDULE_BUDGET_CHECK: cron('0 8 * * *'),
  GRAPHIQL: bool,
  AUTH: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['required', 'off']).optional()),
  AUTH_CACHE_MS: int(5_000, 0, 3_600_000),
  CORS_ORIGINS: origins,
  TRUSTED_PROXIES: addressList,
  GRAPHQL_INTROSPECTION: bool,
  GRAPHQL_MAX_DEPTH: int(10, 2, 100),
  GRAPHQL_MAX_COMPLEXITY: int(5_000, 10, 10_000_000),
  GRAPHQL_MAX_ALIASES: int(30, 1, 10_000),
  GRAPHQL_MAX_TOKENS: int(2_000, 50, 1_000_000),
  GRAPHQL_MAX_MUTATIONS: int(10, 1, 1_000),
  PERSISTED_OPERATIONS_FILE: optionalString,
  RATE_LIMIT_PER_SECOND: int(50, 1, 1_000_000),
  RATE_LIMIT_BURST: int(100, 1, 10_000_000),
  DAILY_ARTICLE_LIMIT: int(10_000, 1, 100_000_000),
  MAX_JOBS_IN_FLIGHT_PER_TENANT: int(10_000, 1, 100_000_000),
  MAX_CONNECTIONS_PER_CLIENT: int(50, 1, 100_000),
  MAX_SUBSCRIPTIONS_PER_CONNECTION: int(100, 1, 100_000),
  HTTP_HEADERS_TIMEOUT_MS: int(10_000, 100, 600_000),
  HTTP_REQUEST_TIMEOUT_MS: int(30_000, 100, 3_600_000),
  MOCK_LLM_PORT: int(4010, 0, 65535),
  MOCK_LLM_LATENCY_MS: int(50, 0, 600_000),
});

export interface Config {
  env: 'production' | 'development' | 'test';
  host: string;
  port: number;
  /** Where a process without the API serves /metrics (a worker); 0: any free port. */
  metricsPort: number;
  logLevel: string;
  database:
    | { kind: 'postgres'; url: string; poolSize: number; queryTimeoutMs: number; preparedStatements?: boolean }
    | { kind: 'pglite'; dataDir: string };
  nats:
    | {
        kind: 'nats';
        /** The servers of one NATS cluster; the client connects to any and moves on when it goes. */
        servers: string[];
        /** Replicas of Distill's JetStream streams (3 on a three-node cluster). */
        replicas: number;
      }
    | { kind: 'memory' };
  namespace: string;
  worker: {
    id: string;
    concurrency: number;
    maxAttempts: number;
    backoffBaseMs: number;
    backoffMaxMs: number;
    ackWaitMs: number;
    deadlineMs: number;
    agingMs: number;
    shutdownGraceMs: number;
  };
  outboxRelayIntervalMs: number;
  /** Days a month of events and of ledger rows is kept after it ends (0: for ever). */
  retention: { eventDays: number; ledgerDays: number; resultDays: number };
  /** Cron expressions of the scheduled jobs; undefined: off. */
  schedules: { cleanup: string | undefined; retryFailed: string | undefined; budgetCheck: string | undefined };
  llm: LlmSettings & {
    timeout: { perThousandCharsMs: number; minMs: number; maxMs: number };
    /** How long a paid step answer answers identical content (0: no cache). */
    cacheTtlSeconds: number;
    /** Stream the summary to subscribers as it is written (SUMMARY_DELTA). */
    streamSummary: boolean;
    /** Learn rate limits from the providers' response headers, and wait out a quota they say is spent. */
    rateLimitHeaders: boolean;
    /** Content shorter than this goes to the step's short route, if it has one. */
    shortChars: number;
    /** Content of more tokens than this (or than a model's context) is summarized in chunks, then the chunk summaries (map-reduce). */
    chunkTokens: number;
    /** Per step, the share of articles each prompt version gets (A/B splits). */
    promptWeights: Record<StepName, Record<string, number>>;
    /** Consecutive provider faults that open a model's circuit, and how long it stays open. */
    circuit: { failures: number; halfOpenAfterMs: number };
  };
  /** Monthly LLM budgets: the global one from config (tenants' are set through the API). */
  budget: {
    globalLimitUsd: number | undefined;
    alertThresholds: number[];
    pausePriorities: Priority[];
    resumeIntervalMs: number;
  };
  /** Unexpected errors to Sentry; undefined: not sent. */
  sentry: { dsn: string; environment: string } | undefined;
  alerts: { webhookUrl: string | undefined; email: { smtpUrl: string; from: string; to: string[] } | undefined };
  limits: {
    maxContentChars: number;
    maxBodyBytes: number;
    ratePerSecond: number;
    rateBurst: number;
    dailyArticles: number;
    maxInFlightPerTenant: number;
    maxBatchItems: number;
    /** How long an idempotency key returns its first request's result. */
    idempotencyTtlMs: number;
  };
  auth: { mode: 'required' | 'off'; cacheMs: number };
  http: {
    corsOrigins: string[];
    /** Load balancers whose X-Forwarded-For names the client (addresses or networks). */
    trustedProxies: string[];
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    maxConnectionsPerClient: number;
    maxSubscriptionsPerConnection: number;
  };
  /** Cost limits of every GraphQL operation, whatever the transport. */
  graphql: {
    introspection: boolean;
    maxDepth: number;
    maxComplexity: number;
    maxAliases: number;
    maxTokens: number;
    maxMutations: number;
    persistedOperationsFile: string | undefined;
  };
  graphiql: boolean;
  mockLlm: { port: number; latencyMs: number };
}

/**
 * Reads and validates the whole configuration from an environment map.
 * Throws ConfigError listing every problem at once, each with its variable name.
 */
export function loadConfig(env: Record<string, string | undefined>): Readonly<Config> {
  const parsed = envSchema.safeParse(env);
  const problems: string[] = parsed.success ? [] : parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`);
  // LLM settings are checked on the raw values, so their problems are listed even when others fail.
  const llm = loadLlmSettings(env, problems);
  if (!parsed.success) throw new ConfigError(problems);
  const e = parsed.data;
  if (e.LLM_TIMEOUT_MIN_MS > e.LLM_TIMEOUT_MAX_MS) problems.push('LLM_TIMEOUT_MIN_MS: must not exceed LLM_TIMEOUT_MAX_MS');
  if (e.JOB_BACKOFF_BASE_MS > e.JOB_BACKOFF_MAX_MS) problems.push('JOB_BACKOFF_BASE_MS: must not exceed JOB_BACKOFF_MAX_MS');
  const promptWeights = parsePromptWeights(e.LLM_PROMPT_WEIGHTS, problems);
  if (e.SMTP_URL && e.ALERT_EMAIL_TO.length === 0) problems.push('ALERT_EMAIL_TO: must be set when SMTP_URL is');
  if (!e.SMTP_URL && e.ALERT_EMAIL_TO.length > 0) problems.push('SMTP_URL: must be set when ALERT_EMAIL_TO is');
  if (problems.length > 0) throw new ConfigError(problems);

  const envName = e.NODE_ENV === 'production' ? 'production' : e.NODE_ENV === 'test' ? 'test' : 'development';
  const authMode = e.AUTH ?? (envName === 'production' ? 'required' : 'off');
  return Object.freeze({
    env: envName,
    // An open API (AUTH=off) answers only this machine unless HOST says otherwise.
    host: e.HOST ?? (authMode === 'off' ? '127.0.0.1' : '0.0.0.0'),
    port: e.PORT,
    metricsPort: e.METRICS_PORT,
    logLevel: e.LOG_LEVEL,
    database: e.DATABASE_URL
      ? {
          kind: 'postgres' as const,
          url: e.DATABASE_URL,
          poolSize: e.DATABASE_POOL_SIZE,
          queryTimeoutMs: e.DATABASE_QUERY_TIMEOUT_MS,
          preparedStatements: e.DATABASE_PREPARED_STATEMENTS === 'true',
        }
      : { kind: 'pglite' as const, dataDir: e.DATA_DIR ?? './.data' },
    nats: e.NATS_URL
      ? { kind: 'nats' as const, servers: e.NATS_URL.split(',').map((s) => s.trim()), replicas: e.NATS_REPLICAS }
      : { kind: 'memory' as const },
    namespace: e.DISTILL_NAMESPACE,
    worker: {
      id: e.WORKER_ID ?? `${os.hostname()}-${process.pid}`,
      concurrency: e.WORKER_CONCURRENCY,
      maxAttempts: e.JOB_MAX_ATTEMPTS,
      backoffBaseMs: e.JOB_BACKOFF_BASE_MS,
      backoffMaxMs: e.JOB_BACKOFF_MAX_MS,
      ackWaitMs: e.JOB_ACK_WAIT_MS,
      deadlineMs: e.JOB_DEADLINE_MS,
      agingMs: e.PRIORITY_AGING_MS,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    },
    outboxRelayIntervalMs: e.OUTBOX_RELAY_INTERVAL_MS,
    retention: { eventDays: e.EVENT_RETENTION_DAYS, ledgerDays: e.LEDGER_RETENTION_DAYS, resultDays: e.RESULT_RETENTION_DAYS },
    schedules: { cleanup: e.SCHEDULE_CLEANUP, retryFailed: e.SCHEDULE_RETRY_FAILED, budgetCheck: e.SCHEDULE_BUDGET_CHECK },
    llm: {
      ...llm,
      timeout: {
        perThousandCharsMs: e.LLM_TIMEOUT_MS_PER_1K_CHARS,
        minMs: e.LLM_TIMEOUT_MIN_MS,
        maxMs: e.LLM_TIMEOUT_MAX_MS,
      },
      cacheTtlSeconds: e.LLM_CACHE_TTL,
      streamSummary: e.LLM_STREAM_SUMMARY !== 'false',
      rateLimitHeaders: e.LLM_RATE_LIMIT_HEADERS !== 'false',
      shortChars: e.LLM_SHORT_CHARS,
      chunkTokens: e.LLM_CHUNK_TOKENS,
      promptWeights,
      circuit: { failures: e.LLM_CIRCUIT_FAILURES, halfOpenAfterMs: e.LLM_CIRCUIT_HALF_OPEN_MS },
    },
    budget: {
      globalLimitUsd: e.BUDGET_MONTHLY_USD,
      alertThresholds: [...new Set(e.BUDGET_ALERT_AT)].sort((a, b) => a - b),
      pausePriorities: [...new Set(e.BUDGET_PAUSE_PRIORITIES)],
      resumeIntervalMs: e.BUDGET_RESUME_INTERVAL_MS,
    },
    sentry: e.SENTRY_DSN ? { dsn: e.SENTRY_DSN, environment: e.SENTRY_ENVIRONMENT ?? envName } : undefined,
    alerts: {
      webhookUrl: e.ALERT_WEBHOOK_URL,
      email: e.SMTP_URL ? { smtpUrl: e.SMTP_URL, from: e.ALERT_EMAIL_FROM, to: e.ALERT_EMAIL_TO } : undefined,
    },
    limits: {
      maxContentChars: e.MAX_CONTENT_CHARS,
      maxBodyBytes: e.MAX_BODY_BYTES,
      ratePerSecond: e.RATE_LIMIT_PER_SECOND,
      rateBurst: e.RATE_LIMIT_BURST,
      dailyArticles: e.DAILY_ARTICLE_LIMIT,
      maxInFlightPerTenant: e.MAX_JOBS_IN_FLIGHT_PER_TENANT,
      maxBatchItems: e.MAX_BATCH_ITEMS,
      idempotencyTtlMs: e.IDEMPOTENCY_TTL_MS,
    },
    auth: { mode: authMode, cacheMs: e.AUTH_CACHE_MS },
    http: {
      corsOrigins: e.CORS_ORIGINS,
      trustedProxies: e.TRUSTED_PROXIES,
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      maxConnectionsPerClient: e.MAX_CONNECTIONS_PER_CLIENT,
      maxSubscriptionsPerConnection: e.MAX_SUBSCRIPTIONS_PER_CONNECTION,
    },
    graphql: {
      introspection: e.GRAPHQL_INTROSPECTION ? e.GRAPHQL_INTROSPECTION === 'true' : envName !== 'production',
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxComplexity: e.GRAPHQL_MAX_COMPLEXITY,
      maxAliases: e.GRAPHQL_MAX_ALIASES,
      maxTokens: e.GRAPHQL_MAX_TOKENS,
      maxMutations: e.GRAPHQL_MAX_MUTATIONS,
      persistedOperationsFile: e.PERSISTED_OPERATIONS_FILE,
    },
    graphiql: e.GRAPHIQL ? e.GRAPHIQL === 'true' : envName !== 'production',
    mockLlm: { port: e.MOCK_LLM_PORT, latencyMs: e.MOCK_LLM_LATENCY_MS },
  });
}

/**
 * `LLM_PROMPT_WEIGHTS`, e.g. `SUMMARY:v1=50,SUMMARY:v2=50`: per step, each prompt version's share
 * of articles. A step not named uses its first version.
 */
function parsePromptWeights(text: string | undefined, problems: string[]): Record<StepName, Record<string, number>> {
  const weights = Object.fromEntries(STEP_NAMES.map((step) => [step, {}])) as Record<StepName, Record<string, number>>;
  for (const item of (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const match = /^([A-Z]+):([a-z0-9_-]+)=(\d+)$/.exec(item);
    const step = match?.[1] as StepName | undefined;
    const versions: readonly string[] | undefined = step ? PROMPT_VERSIONS[step] : undefined;
    if (!match || !versions) {
      problems.push(`LLM_PROMPT_WEIGHTS: "${item}" must look like SUMMARY:v2=50 (steps: ${STEP_NAMES.join(', ')})`);
      continue;
    }
    if (!versions.includes(match[2]!)) {
      problems.push(`LLM_PROMPT_WEIGHTS: ${step} has no prompt ${match[2]} (it has ${versions.join(', ')})`);
      continue;
    }
    weights[step!][match[2]!] = Number(match[3]);
  }
  for (const step of STEP_NAMES) {
    const total = Object.values(weights[step]).reduce((sum, w) => sum + w, 0);
    if (Object.keys(weights[step]).length > 0 && total === 0) problems.push(`LLM_PROMPT_WEIGHTS: ${step}'s weights are all 0`);
    if (total === 0) weights[step] = { [PROMPT_VERSIONS[step][0]]: 1 };
  }
  return weights;
}
