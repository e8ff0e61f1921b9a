/**
 * Micro-benchmark: CPU per submitArticle in the API process alone (no worker), against real
 * PostgreSQL and NATS. `node --import tsx bench/micro/api-submit.ts [--submits=10000] [--set=AUTH=off …]`
 * (`--set` overrides the API's environment, e.g. to compare with authentication off).
 * Prints API CPU ms and write syscalls per submit, and submits/s with 32 concurrent clients.
 */
import { submitArticle, startDistill } from '../lib/distill.js';
import { createBenchEnvironment } from '../lib/environment.js';
import { runAll } from '../lib/load.js';
import { cpuMeter } from '../lib/proc.js';
import { round } from '../lib/stats.js';

const submits = Number(process.argv.find((a) => a.startsWith('--submits='))?.slice(10) ?? 10000);
const overrides = Object.fromEntries(
  process.argv.filter((a) => a.startsWith('--set=')).map((a) => a.slice(6).split(/=(.*)/s).slice(0, 2) as [string, string]),
);
const environment = await createBenchEnvironment(overrides);
const distill = await startDistill(environment, { worker: false });
try {
  // Warm-up: a fresh process runs cold code for the first few thousand requests (JIT, pools).
  await runAll(3000, 32, (i) => submitArticle(distill.apiUrl, i).then(() => {}));
  const meter = cpuMeter({ api: () => [distill.api.child.pid!] });
  const started = performance.now();
  await runAll(submits, 32, (i) => submitArticle(distill.apiUrl, i).then(() => {}));
  const ms = performance.now() - started;
  const { api } = meter.stop();
  console.log(
    JSON.stringify({
      submits,
      perSecond: round((submits / ms) * 1000),
      apiCpuMsPerSubmit: round(api!.cpuMs / submits, 3),
      apiWritesPerSubmit: round(api!.writes / submits, 2),
    }),
  );
} finally {
  await distill.stop();
  await environment.cleanup();
}
