/**
 * The feed fan-out scenario on an API process run with `--cpu-prof`: where the API spends its time
 * per frame. `node --import tsx bench/micro/feed-profile.ts` (profile in bench/out/feed-profile/).
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { spawnDistill } from '../../test/support/processes.js';
import { registerApiKey } from '../lib/distill.js';
import { createBenchEnvironment } from '../lib/environment.js';
import { measureFeed } from '../scenarios/feed.js';

const dir = path.resolve('bench/out/feed-profile');
rmSync(dir, { recursive: true, force: true });
const environment = await createBenchEnvironment();
const api = spawnDistill('serve', environment.env, ['--cpu-prof', `--cpu-prof-dir=${dir}`, 'src/cli.ts', 'serve']);
const apiUrl = ((await api.waitForLog((l) => typeof l.url === 'string')).url as string).replace(/\/graphql$/, '');
registerApiKey(apiUrl, environment.apiKey);
api.ignoreLogs();
try {
  console.log(JSON.stringify(await measureFeed(true, environment, apiUrl, api.child.pid!)));
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
for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30))
  console.log(`${((us / total) * 100).toFixed(1).padStart(5)} %  ${k}`);
