/**
 * `npm run bench [-- --quick] [-- --only=enqueue,throughput,scaling,…] [-- --env NAME=value,…] [-- --mock-limit openai:MAX/WINDOW_MS]`: Distill against real PostgreSQL and
 * NATS and the bundled mock LLM, with the BullMQ + Redis baseline in the same invocation.
 * `npm run bench -- --soak [minutes]` (default 10) runs only the soak: memory under subscriptions that come and go.
 * `npm run bench -- --scale [articles,…]` (default 1000000,3000000) runs only the scale scenario:
 * a deployment seeded with that many finished articles against one without, in alternating rounds.
 * `--env NAME=value,…` sets Distill configuration for every scenario (e.g. LLM_CACHE_TTL=0).
 * Writes bench/out/<date>.json and prints a Markdown summary for bench/RESULTS.md.
 */
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { startMockLlmServer } from '../src/devtools/mock-llm.server.js';
import { benchDashboard } from './scenarios/dashboard.js';
import { benchEnqueue } from './scenarios/enqueue.js';
import { benchFeed } from './scenarios/feed.js';
import { benchListing } from './scenarios/listing.js';
import { benchMemory } from './scenarios/memory.js';
import { benchOverhead } from './scenarios/overhead.js';
import { benchPriority } from './scenarios/priority.js';
import { benchCache } from './scenarios/cache.js';
import { benchScale } from './scenarios/scale.js';
import { benchScaling } from './scenarios/scaling.js';
import { benchSoak } from './scenarios/soak.js';
import { benchSubscriptions } from './scenarios/subscriptions.js';
import { benchThroughput } from './scenarios/throughput.js';
import { benchTimeseries } from './scenarios/timeseries.js';

const quick = process.argv.includes('--quick');
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',');
const soakAt = process.argv.indexOf('--soak');
const soakMinutes = soakAt < 0 ? 0 : Number(process.argv[soakAt + 1]) || 10;
const scaleAt = process.argv.indexOf('--scale');
const scaleSizes = (scaleAt < 0 ? undefined : process.argv[scaleAt + 1])?.split(',').map(Number) ?? [1_000_000, 3_000_000];
// --soak and --scale each run alone: they take many minutes and their own tables.
const alone = soakAt >= 0 ? 'soak' : scaleAt >= 0 ? 'scale' : undefined;
const wanted = (name: string) => (alone ? name === alone : !['soak', 'scale'].includes(name) && (!only || only.includes(name)));

// `--env NAME=value,…`: Distill configuration for every scenario (e.g. LLM_CACHE_TTL=0).
const envAt = process.argv.indexOf('--env');
const extraEnv: Record<string, string> = Object.fromEntries(
  (envAt < 0 ? [] : (process.argv[envAt + 1] ?? '').split(',')).map((pair) => [
    pair.slice(0, pair.indexOf('=')),
    pair.slice(pair.indexOf('=') + 1),
  ]),
);
const mock = await startMockLlmServer();
// `--mock-limit openai:MAX/WINDOW_MS`: the mock enforces that request limit and states it in its rate-limit headers.
const limitAt = process.argv.indexOf('--mock-limit');
const mockLimit = /^(openai|anthropic):(\d+)\/(\d+)$/.exec(limitAt < 0 ? '' : (process.argv[limitAt + 1] ?? ''));
if (mockLimit)
  mock.setRequestLimit({
    provider: mockLimit[1] as 'openai' | 'anthropic',
    max: Number(mockLimit[2]),
    windowMs: Number(mockLimit[3]),
  });
const llmEnv = {
  OPENAI_API_KEY: 'sk-bench',
  OPENAI_BASE_URL: mock.openaiBaseUrl,
  ANTHROPIC_API_KEY: 'sk-ant-bench',
  ANTHROPIC_BASE_URL: mock.anthropicBaseUrl,
  ...extraEnv,
};

const version = (cmd: string) => {
  try {
    return execSync(cmd, { encoding: 'utf8' }).trim().split('\n')[0];
  } catch {
    return 'unknown';
  }
};
const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  mode: [
    alone === 'soak' ? `soak ${soakMinutes} min` : alone === 'scale' ? `scale ${scaleSizes.join(',')}` : '',
    quick ? 'quick' : 'full',
  ]
    .filter(Boolean)
    .join(' '),
  machine: {
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    postgres: version("psql -h 127.0.0.1 -U postgres -Atc 'show server_version'"),
    nats: version('nats-server --version'),
    redis: version('redis-server --version'),
  },
};

const started = Date.now();
const scenarios: [string, () => Promise<unknown>][] = [
  ['enqueue', () => benchEnqueue(quick)],
  ['throughput', () => benchThroughput(quick, mock, llmEnv)],
  ['timeseries', () => benchTimeseries(quick)],
  ['overhead', () => benchOverhead(quick, mock, llmEnv)],
  ['memory', () => benchMemory(quick, mock, llmEnv)],
  ['subscriptions', () => benchSubscriptions(quick)],
  ['feed', () => benchFeed(quick)],
  ['listing', () => benchListing(quick)],
  ['priority', () => benchPriority(quick, mock, llmEnv)],
  ['cache', () => benchCache(quick, mock, llmEnv)],
  ['dashboard', () => benchDashboard(quick, llmEnv)],
  ['scaling', () => benchScaling(quick, mock, llmEnv)],
  ['soak', () => benchSoak(soakMinutes, mock, llmEnv)],
  ['scale', () => benchScale(quick, scaleSizes, mock, llmEnv)],
];
try {
  for (const [name, run] of scenarios) {
    if (!wanted(name)) continue;
    const t = Date.now();
    process.stdout.write(`- ${name} … `);
    results[name] = await run();
    console.log(`${((Date.now() - t) / 1000).toFixed(1)} s`);
    console.log(JSON.stringify(results[name]));
  }
} finally {
  await mock.stop();
}
results.totalSeconds = Math.round((Date.now() - started) / 1000);

mkdirSync(new URL('./out/', import.meta.url), { recursive: true });
const file = new URL(`./out/${results.date as string}.json`.replace(/:/g, '-'), import.meta.url);
writeFileSync(file, JSON.stringify(results, null, 2));
console.log(`\nwritten: ${file.pathname}\n`);
console.log(JSON.stringify(results, null, 2));
process.exit(0);
