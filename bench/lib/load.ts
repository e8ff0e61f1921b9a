/** Runs `op` from `concurrency` loops for `durationMs`; returns completed ops and their latencies (ms). */
export async function closedLoop(
  op: () => Promise<void>,
  concurrency: number,
  durationMs: number,
): Promise<{ ops: number; latencies: number[]; ms: number }> {
  const latencies: number[] = [];
  const start = performance.now();
  const end = start + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        await op();
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { ops: latencies.length, latencies, ms: performance.now() - start };
}

/**
 * Open-loop load: starts `op` at a fixed rate whatever the responses do, and measures each latency
 * from its *scheduled* start, so a stall shows up in the numbers instead of slowing the load
 * (no coordinated omission).
 */
export async function openLoop(
  op: () => Promise<void>,
  ratePerSecond: number,
  durationMs: number,
): Promise<{ latencies: number[]; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const interval = 1000 / ratePerSecond;
  const start = performance.now();
  const total = Math.floor((durationMs / 1000) * ratePerSecond);
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const scheduled = start + i * interval;
    const wait = scheduled - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(
      op().then(
        () => void latencies.push(performance.now() - scheduled),
        () => void errors++,
      ),
    );
  }
  await Promise.all(pending);
  return { latencies, errors };
}

/** Runs `count` ops with at most `concurrency` at a time. */
export async function runAll(count: number, concurrency: number, op: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await op(next++);
    }),
  );
}
