import { startBullmq } from '../lib/bullmq.js';
import { startDistill, submitArticle } from '../lib/distill.js';
import { createBenchEnvironment } from '../lib/environment.js';
import { closedLoop, openLoop } from '../lib/load.js';
import { round, summarize } from '../lib/stats.js';

/**
 * 1. Enqueue latency: the maximum submit rate (closed loop, 32 clients), then p50/p99 under an
 * open-loop load at 30 % and 80 % of it. API only: nothing consumes, so only submit is measured.
 * The BullMQ baseline gets the same absolute rates.
 */
export async function benchEnqueue(quick: boolean) {
  const seconds = quick ? 2 : 10;
  const out: Record<string, unknown> = {};
  let i = 0;

  const environment = await createBenchEnvironment();
  const distill = await startDistill(environment, { worker: false });
  let maxRate: number;
  try {
    await closedLoop(() => submitArticle(distill.apiUrl, i++).then(() => {}), 8, 1_000); // warm-up
    const max = await closedLoop(() => submitArticle(distill.apiUrl, i++).then(() => {}), 32, seconds * 1000);
    maxRate = (max.ops / max.ms) * 1000;
    out.distill = {
      maxRate: round(maxRate),
      ...(await atRates(maxRate, (n) => submitArticle(distill.apiUrl, n).then(() => {}))),
    };
  } finally {
    await distill.stop();
    await environment.cleanup();
  }

  const baseEnv = await createBenchEnvironment();
  const bull = await startBullmq(baseEnv);
  try {
    await closedLoop(() => bull.submit(i++).then(() => {}), 8, 1_000);
    const max = await closedLoop(() => bull.submit(i++).then(() => {}), 32, seconds * 1000);
    out.bullmq = { maxRate: round((max.ops / max.ms) * 1000), ...(await atRates(maxRate, (n) => bull.submit(n).then(() => {}))) };
  } finally {
    await bull.stop();
    await baseEnv.cleanup();
  }
  return out;

  async function atRates(max: number, op: (n: number) => Promise<void>) {
    const result: Record<string, unknown> = {};
    for (const share of [0.3, 0.8]) {
      const rate = Math.max(1, Math.round(max * share));
      const run = await openLoop(() => op(i++), rate, seconds * 1000);
      const s = summarize(run.latencies);
      result[`at${share * 100}pct`] = { rate, p50: round(s.p50, 2), p99: round(s.p99, 2), errors: run.errors };
    }
    return result;
  }
}
