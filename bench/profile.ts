/**
 * `npm run bench:profile [-- --articles=1500]`: the throughput scenario with `--cpu-prof` on the API
 * and worker processes, then the top self-time by function and by package for each, counted over
 * the measured articles only (after a warm-up of half as many). The
 * `.cpuprofile` files stay in bench/out/profile/ for Chrome DevTools or speedscope.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { spawnDistill } from '../test/support/processes.js';
import { startMockLlmServer } from '../src/devtools/mock-llm.server.js';
import { registerApiKey, submitArticle, watchCompletions } from './lib/distill.js';
import { createBenchEnvironment } from './lib/environment.js';
import { runAll } from './lib/load.js';

const articles = Number(process.argv.find((a) => a.startsWith('--articles='))?.slice(11) ?? 1500);
const outDir = path.resolve('bench/out/profile');
rmSync(outDir, { recursive: true, force: true });

const mock = await startMockLlmServer();
const environment = await createBenchEnvironment({
  OPENAI_API_KEY: 'sk-bench',
  OPENAI_BASE_URL: mock.openaiBaseUrl,
  ANTHROPIC_API_KEY: 'sk-ant-bench',
  ANTHROPIC_BASE_URL: mock.anthropicBaseUrl,
});
const profiled = (name: string, command: string) => {
  mkdirSync(path.join(outDir, name), { recursive: true });
  return ['--cpu-prof', `--cpu-prof-dir=${path.join(outDir, name)}`, 'src/cli.ts', command];
};
const api = spawnDistill('serve', environment.env, profiled('api', 'serve'));
const apiUrl = ((await api.waitForLog((l) => typeof l.url === 'string')).url as string).replace(/\/graphql$/, '');
registerApiKey(apiUrl, environment.apiKey);
const worker = spawnDistill('work', { ...environment.env, WORKER_CONCURRENCY: '128' }, profiled('worker', 'work'));
await worker.waitForLog((l) => l.msg === 'worker started');
for (const p of [api, worker]) p.ignoreLogs();
// A failed run must not leave the two processes behind: they would load every later measurement.
process.once('exit', () => {
  for (const p of [api, worker]) p.kill('SIGKILL');
});
const completions = await watchCompletions(environment);
// Warm-up first, and only the measured window is counted: start-up (module compilation through
// tsx, cold JIT) would otherwise dominate the profile. Profile sample times and hrtime are both
// CLOCK_MONOTONIC microseconds.
const warmUp = Math.round(articles / 2);
await runAll(warmUp, 32, (i) => submitArticle(apiUrl, articles + i).then(() => {}));
await completions.waitFor(warmUp);
const window = { from: monotonicUs(), to: 0 };
const started = performance.now();
await runAll(articles, 32, (i) => submitArticle(apiUrl, i).then(() => {}));
await completions.waitFor(warmUp + articles);
window.to = monotonicUs();
console.log(`${articles} articles in ${Math.round(performance.now() - started)} ms (after ${warmUp} to warm up)`);
await completions.close();
for (const p of [api, worker]) p.kill('SIGTERM');
await Promise.all([api.exited, worker.exited]);
await mock.stop();
await environment.cleanup();

for (const name of ['api', 'worker']) report(name);

function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
function report(name: string): void {
  const dir = path.join(outDir, name);
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return void console.log(`${name}: no profile written`);
  const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as {
    nodes: ProfileNode[];
    startTime: number;
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let total = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    at += us;
    if (at < window.from || at > window.to) return;
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') return;
    total += us;
    const where = frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|bench)\//, '$1/');
    const key = `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const pkg = !frame.url
      ? frame.functionName.startsWith('(')
        ? frame.functionName
        : '(native)'
      : frame.url.includes('node_modules/')
        ? frame.url.replace(/^.*node_modules\/((@[^/]+\/)?[^/]+).*$/, '$1')
        : frame.url.startsWith('node:')
          ? frame.url.split('/')[0]!
          : 'distill';
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  });
  const top = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(
        ([k, us]) => `  ${((us / total) * 100).toFixed(1).padStart(5)} %  ${(us / 1000 / articles).toFixed(3)} ms/article  ${k}`,
      )
      .join('\n');
  console.log(
    `\n== ${name}: ${(total / 1000 / articles).toFixed(2)} ms CPU (sampled) per article\nby package:\n${top(byPackage, 15)}\nby function:\n${top(byFunction, 30)}`,
  );
}
