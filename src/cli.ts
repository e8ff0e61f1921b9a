import { loadConfig } from './config/config.js';
import { createDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { startMockLlmServer } from './devtools/mock-llm.server.js';
import { ConfigError } from './lib/errors.js';
import { createLogger, flushLogger } from './lib/logger.js';
import { KEYS_USAGE, runKeysCommand, UsageError } from './runtime/keys-command.js';
import { startSystem, type Roles } from './runtime/start-system.js';

const COMMANDS: Record<string, Roles | 'migrate' | 'mock-llm' | 'keys'> = {
  all: { api: true, worker: true },
  serve: { api: true, worker: false },
  work: { api: false, worker: true },
  migrate: 'migrate',
  'mock-llm': 'mock-llm',
  keys: 'keys',
};

const USAGE = `usage: distill <command>
  all        API + worker in one process (what npm start runs)
  serve      GraphQL API only
  work       worker only
  migrate    apply database migrations and exit
  mock-llm   the bundled mock LLM server (OpenAI + Anthropic protocols)
  keys       create, list and revoke API keys (distill keys for details)`;

// Exit codes: 0 done, 1 failed at start-up or at run time, 2 bad usage or configuration, 130 forced.
async function main(): Promise<void> {
  const command = process.argv[2] ?? 'all';
  const role = COMMANDS[command];
  if (!role) {
    console.error(`unknown command "${command}"\n${USAGE}`);
    process.exit(2);
  }
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel, { cmd: command });
  const exit = (code: number) => {
    flushLogger(log);
    process.exit(code);
  };

  if (role === 'keys') {
    try {
      for (const line of await runKeysCommand(process.argv.slice(3), config)) console.log(line);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      console.error(`${err.message}\n${KEYS_USAGE}`);
      process.exit(2);
    }
    return;
  }

  if (role === 'migrate') {
    const db = await createDatabase(config.database);
    const applied = await migrateToLatest(db);
    await db.destroy();
    log.info({ applied }, applied.length > 0 ? 'migrations applied' : 'database already up to date');
    return;
  }

  // Handlers first: a signal that comes while the system starts shuts it down once it has started
  // (without them, SIGTERM's default would kill the process half-started).
  let stop: (() => Promise<void>) | undefined;
  let shutdownAsked = false;
  const shutdown = () =>
    stop!().then(
      () => exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        exit(1);
      },
    );
  // Ctrl-C reaches npm and node alike, and npm relays it: the same press can arrive twice.
  // Only a signal more than a second after the first one means "exit now".
  let firstSignalAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstSignalAt !== undefined) {
      if (Date.now() - firstSignalAt < 1_000) return;
      log.warn({ signal }, 'second signal: exiting now');
      exit(130);
    }
    firstSignalAt = Date.now();
    log.info({ signal }, 'shutting down (send the signal again to exit at once)');
    shutdownAsked = true;
    if (stop) void shutdown();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  if (role === 'mock-llm') {
    const mock = await startMockLlmServer({ port: config.mockLlm.port, host: config.host, latencyMs: config.mockLlm.latencyMs });
    log.info(
      { openaiBaseUrl: mock.openaiBaseUrl, anthropicBaseUrl: mock.anthropicBaseUrl, latencyMs: config.mockLlm.latencyMs },
      `mock LLM listening: OPENAI_BASE_URL=${mock.openaiBaseUrl} ANTHROPIC_BASE_URL=${mock.anthropicBaseUrl}`,
    );
    stop = () => mock.stop();
  } else {
    const system = await startSystem(config, role, log);
    stop = () => system.stop();
  }
  if (shutdownAsked) void shutdown();
}

main().catch((err: unknown) => {
  console.error('distill failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
