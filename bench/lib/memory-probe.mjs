/* global process */
// Preloaded into a process under measurement (NODE_OPTIONS="--expose-gc --import=…/memory-probe.mjs",
// MEMORY_PROBE_FILE=path): on SIGUSR2 it appends one JSON line with the memory as it is, then again
// after two full garbage collections — what the live objects hold, without transient garbage.
import { appendFileSync } from 'node:fs';

const file = process.env.MEMORY_PROBE_FILE;
if (file) {
  process.on('SIGUSR2', () => {
    const raw = process.memoryUsage();
    globalThis.gc?.();
    globalThis.gc?.();
    const live = process.memoryUsage();
    const pick = (m) => ({ rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external });
    appendFileSync(file, JSON.stringify({ raw: pick(raw), afterGc: pick(live) }) + '\n');
  });
}
