import { loadConfig, type Config } from '../../src/config/config.js';
import { createLogger } from '../../src/lib/logger.js';
import { startSystem, type Roles, type RunningSystem } from '../../src/runtime/start-system.js';
import { trackSystem, untrackSystem } from './open-systems.js';
import { createTempDataDir, createTestDatabase, deleteNamespace, natsUrl, uniqueNamespace, type Backend } from './services.js';

export interface TestEnvironment {
  backend: Backend;
  /** Environment variables for Distill: own database (or data dir) and own namespace. */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

/** An isolated environment: a cloned database and a fresh NATS namespace, or a temp PGlite dir. */
export async function createTestEnvironment(backend: Backend, extra: Record<string, string> = {}): Promise<TestEnvironment> {
  const namespace = uniqueNamespace();
  // No content cache unless a test asks for one: tests submit the same sample article again and again.
  const base = {
    DISTILL_NAMESPACE: namespace,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    LLM_CACHE_TTL: '0',
    // Several workers run on one machine (often in one process): each serves /metrics on a free port.
    METRICS_PORT: '0',
    // A scheduled re-queue or cleanup firing during a test would change what it asserts.
    SCHEDULE_CLEANUP: 'off',
    SCHEDULE_RETRY_FAILED: 'off',
    SCHEDULE_BUDGET_CHECK: 'off',
  };
  if (backend === 'real') {
    const database = await createTestDatabase();
    return {
      backend,
      env: { ...base, DATABASE_URL: database.url, NATS_URL: natsUrl(), ...extra },
      cleanup: async () => {
        await deleteNamespace(namespace);
        await database.drop();
      },
    };
  }
  const data = createTempDataDir();
  return { backend, env: { ...base, DATA_DIR: data.dir, DATABASE_URL: '', NATS_URL: '', ...extra }, cleanup: data.drop };
}

export interface TestSystem {
  system: RunningSystem;
  config: Readonly<Config>;
  environment: TestEnvironment;
  /** http://127.0.0.1:port (when the API role runs). */
  url: string;
  stop(): Promise<void>;
}

/** An API and named workers on one environment, each a system of its own in this process (real services only). */
export async function startApiAndWorkers(environment: TestEnvironment, workerIds: string[]) {
  const api = await startTestSystem(environment.backend, { roles: { api: true, worker: false }, environment });
  const workers: TestSystem[] = [];
  for (const id of workerIds)
    workers.push(
      await startTestSystem(environment.backend, { roles: { api: false, worker: true }, environment, env: { WORKER_ID: id } }),
    );
  return {
    api,
    workers,
    async stop() {
      for (const w of workers) await w.stop();
      await api.stop();
    },
  };
}

/** Starts Distill in this process on an isolated environment. Stop it in afterAll. */
export async function startTestSystem(
  backend: Backend,
  options: { roles?: Roles; env?: Record<string, string>; environment?: TestEnvironment } = {},
): Promise<TestSystem> {
  const environment = options.environment ?? (await createTestEnvironment(backend, options.env));
  const config = loadConfig({ ...environment.env, ...options.env });
  const log = createLogger(config.logLevel, { test: true });
  const system = await startSystem(config, options.roles ?? { api: true, worker: true }, log);
  const testSystem: TestSystem = {
    system,
    config,
    environment,
    url: system.api?.url ?? '',
    stop: async () => {
      untrackSystem(testSystem);
      await system.stop();
      if (!options.environment) await environment.cleanup();
    },
  };
  trackSystem(testSystem);
  return testSystem;
}
