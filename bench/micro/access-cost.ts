/**
 * What authentication and the limits cost per submit, measured inside one profiled API process
 * (so the VM's run-to-run noise cancels): `node --import tsx bench/micro/access-cost.ts [--submits=20000]`.
 * The API runs as deployed (AUTH=required, a bench key, every limit on) with `--cpu-prof`; after a
 * warm-up, each CPU sample of the measured window is charged to the nearest of our own frames on its
 * stack, and a sample counts as "access" when that frame is the access layer, an operation limit or
 * one of the libraries that enforce them (Pothos complexity, graphql-armor, introspection).
 * Garbage collection is reported apart (it belongs to no frame).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { spawnDistill } from '../../test/support/processes.js';
import { registerApiKey, submitArticle } from '../lib/distill.js';
import { createBenchEnvironment } from '../lib/environment.js';
import { runAll } from '../lib/load.js';

const ACCESS = [
  /@pothos\/plugin-complexity\//,
  /@escape\.tech\//,
  /@graphql-yoga\/plugin-disable-introspection\//,
  /@graphql-yoga\/plugin-persisted-operations\//,
  /\/src\/access\//,
  /\/src\/server\/(operation-limits|operation-guard|root-fields|client-connections|persisted-operations)\.ts/,
  /\/src\/articles\/submission-quota\.ts/,
];
// Our own code and the libraries it drives: a sample under one of these belongs to it, not to a
// caller further up (a resolver a guard calls is the resolver's cost, not the guard's).
const OWN = [/\/src\//, ...ACCESS];

const submits = Number(process.argv.find((a) => a.startsWith('--submits='))?.slice(10) ?? 20000);
const outDir = path.resolve('bench/out/access-cost');
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

const environment = await createBenchEnvironment();
const api = spawnDistill('serve', environment.env, ['--cpu-prof', `--cpu-prof-dir=${outDir}`, 'src/cli.ts', 'serve']);
const apiUrl = ((await api.waitForLog((l) => typeof l.url === 'string')).url as string).replace(/\/graphql$/, '');
registerApiKey(apiUrl, environment.apiKey);
api.ignoreLogs();
process.once('exit', () => api.kill('SIGKILL'));
await runAll(3000, 32, (i) => submitArticle(apiUrl, submits + i).then(() => {}));
const window = { from: monotonicUs(), to: 0 };
await runAll(submits, 32, (i) => submitArticle(apiUrl, i).then(() => {}));
window.to = monotonicUs();
api.kill('SIGTERM');
await api.exited;
await environment.cleanup();
report();

function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

interface ProfileNode {
  id: number;
  parent?: number;
  children?: number[];
  callFrame: { functionName: string; url: string };
}

function report(): void {
  const file = readdirSync(outDir).find((f) => f.endsWith('.cpuprofile'))!;
  const profile = JSON.parse(readFileSync(path.join(outDir, file), 'utf8')) as {
    nodes: ProfileNode[];
    startTime: number;
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (const n of profile.nodes) for (const c of n.children ?? []) byId.get(c)!.parent = n.id;
  // What a sample is charged to: 'gc', the access pattern's source, or '' (everything else).
  const charged = new Map<number, string>();
  const chargeOf = (id: number): string => {
    let answer = charged.get(id);
    if (answer !== undefined) return answer;
    const node = byId.get(id)!;
    const url = node.callFrame.url;
    const access = ACCESS.find((re) => re.test(url));
    if (node.callFrame.functionName === '(garbage collector)') answer = 'gc';
    else if (access) answer = access.source;
    else if (OWN.some((re) => re.test(url))) answer = '';
    else answer = node.parent === undefined ? '' : chargeOf(node.parent);
    charged.set(id, answer);
    return answer;
  };
  let total = 0;
  let access = 0;
  let gc = 0;
  const byPart = new Map<string, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    at += us;
    if (at < window.from || at > window.to || byId.get(id)!.callFrame.functionName === '(idle)') return;
    total += us;
    const charge = chargeOf(id);
    if (charge === 'gc') gc += us;
    else if (charge) {
      access += us;
      byPart.set(charge, (byPart.get(charge) ?? 0) + us);
    }
  });
  const perSubmit = (us: number) => +(us / 1000 / submits).toFixed(4);
  console.log(
    JSON.stringify({
      submits,
      apiCpuMsPerSubmit: perSubmit(total),
      accessMsPerSubmit: perSubmit(access),
      accessShare: `${((access / total) * 100).toFixed(1)} %`,
      gcShare: `${((gc / total) * 100).toFixed(1)} %`,
      accessMsPerSubmitByPart: Object.fromEntries([...byPart].sort((a, b) => b[1] - a[1]).map(([k, us]) => [k, perSubmit(us)])),
    }),
  );
}
