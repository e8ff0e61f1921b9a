import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface MemorySample {
  /** As the process is, garbage included (what `ps` shows). */
  raw: { rss: number; heapTotal: number; heapUsed: number; external: number };
  /** After two full GCs: what the live objects hold. */
  afterGc: { rss: number; heapTotal: number; heapUsed: number; external: number };
}

const PROBE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'memory-probe.mjs');

/** Env for a process to be sampled (memory-probe.mjs preloaded), and a sampler that asks it by signal. */
export function memorySampler() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'distill-memory-'));
  const file = path.join(dir, 'samples.jsonl');
  let taken = 0;
  const lines = () => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);
  return {
    env: { NODE_OPTIONS: `--expose-gc --import=${PROBE}`, MEMORY_PROBE_FILE: file },
    /** Signals `pid` and resolves with its next sample. */
    async sample(pid: number, timeoutMs = 30_000): Promise<MemorySample> {
      process.kill(pid, 'SIGUSR2');
      const deadline = Date.now() + timeoutMs;
      while (lines().length <= taken) {
        if (Date.now() > deadline) throw new Error('no memory sample from the process');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return JSON.parse(lines()[taken++]!) as MemorySample;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
