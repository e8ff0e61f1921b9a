import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { spawnDistill, type DistillProcess } from '../../test/support/processes.js';
import { registerApiKey } from './distill.js';
import type { BenchEnvironment } from './environment.js';

/** `serve` run with `--cpu-prof` into `dir` (emptied first); stop it with `stop()` so the profile is written. */
export async function startProfiledApi(
  environment: BenchEnvironment,
  dir: string,
): Promise<{ apiUrl: string; api: DistillProcess; stop(): Promise<void> }> {
  rmSync(dir, { recursive: true, force: true });
  const api = spawnDistill('serve', environment.env, ['--cpu-prof', `--cpu-prof-dir=${dir}`, 'src/cli.ts', 'serve']);
  const apiUrl = ((await api.waitForLog((l) => typeof l.url === 'string')).url as string).replace(/\/graphql$/, '');
  registerApiKey(apiUrl, environment.apiKey);
  api.ignoreLogs();
  return {
    apiUrl,
    api,
    stop: async () => {
      api.kill('SIGTERM');
      await api.exited;
    },
  };
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/** Prints the `n` functions with the most self time in the profile written to `dir`, and the total. */
export function printTopSelfTime(dir: string, n = 25): void {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return void console.log('no profile written');
  const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') return;
    const us = profile.timeDeltas[i] ?? 0;
    total += us;
    const where = frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/src\//, 'src/');
    const key = `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + us);
  });
  console.log(`CPU (sampled, whole process): ${Math.round(total / 1000)} ms`);
  for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, n))
    console.log(`${((us / total) * 100).toFixed(1).padStart(5)} %  ${key}`);
}
