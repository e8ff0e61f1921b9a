/**
 * `submitArticles` with 1,000 articles against an API process run with `--cpu-prof` (empty tables):
 * the call's latency and where the API spends its time. `node --import tsx bench/micro/batch-profile.ts`
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { spawnDistill } from '../../test/support/processes.js';
import { authHeaders, benchContent, registerApiKey } from '../lib/distill.js';
import { createBenchEnvironment } from '../lib/environment.js';
import { postJson } from '../lib/http.js';
import { round, summarize } from '../lib/stats.js';

const SUBMIT_BATCH = `mutation ($input: [SubmitArticleInput!]!) {
  submitArticles(input: $input) { __typename ... on SubmitArticlesPayload { batch { id total } } }
}`;
const dir = path.resolve('bench/out/batch-profile');
rmSync(dir, { recursive: true, force: true });
const environment = await createBenchEnvironment();
const api = spawnDistill('serve', environment.env, ['--cpu-prof', `--cpu-prof-dir=${dir}`, 'src/cli.ts', 'serve']);
const apiUrl = ((await api.waitForLog((l) => typeof l.url === 'string')).url as string).replace(/\/graphql$/, '');
registerApiKey(apiUrl, environment.apiKey);
api.ignoreLogs();
const ms: number[] = [];
try {
  for (let b = 0; b < 30; b++) {
    const input = Array.from({ length: 1_000 }, (_, i) => ({
      title: `Batch ${b} story ${i}`,
      content: benchContent(i),
      sourceUrl: `https://bench.example/batch/${b}/${i}`,
    }));
    // Apart, so each call finds the API idle (its previous batch's queue publishes done).
    if (process.argv.includes('--apart')) await new Promise((resolve) => setTimeout(resolve, 500));
    const t = performance.now();
    const body = await postJson<{ data?: { submitArticles: { __typename: string } } }>(
      `${apiUrl}/graphql`,
      { query: SUBMIT_BATCH, variables: { input } },
      authHeaders(apiUrl),
    );
    if (body.data?.submitArticles.__typename !== 'SubmitArticlesPayload') throw new Error(JSON.stringify(body));
    if (b >= 10) ms.push(performance.now() - t);
  }
  const s = summarize(ms);
  console.log({ batchOf1000: { n: s.n, p50: round(s.p50), max: round(s.max) } });
} finally {
  api.kill('SIGTERM');
  await api.exited;
  await environment.cleanup();
}

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))!;
const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
};
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const frame = byId.get(id)!.callFrame;
  if (frame.functionName === '(idle)') return;
  const us = profile.timeDeltas[i] ?? 0;
  total += us;
  const key = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/src\//, 'src/')}:${frame.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + us);
});
console.log(`API CPU ${round(total / 1000)} ms over 30 batches`);
for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25))
  console.log(`${((us / total) * 100).toFixed(1).padStart(5)} %  ${k}`);
