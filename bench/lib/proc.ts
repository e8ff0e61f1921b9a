import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux

/** CPU time (user + system) a process has used, in ms, from /proc. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Resident memory of a process, in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status);
  return kb ? Number(kb[1]) * 1024 : 0;
}

/** Pids whose command name is `name` (e.g. postgres, nats-server). */
export function pidsNamed(name: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) out.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/**
 * Write syscalls a process has made (write, writev, sendto…), from /proc/PID/io. On a VM where a
 * socket write that wakes another process is the dearest thing a process does, this count
 * explains most of the CPU per article.
 */
export function writeSyscalls(pid: number): number {
  try {
    return Number(/syscw:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

type Usage = { cpuMs: number; writes: number };

/** CPU ms and write syscalls used by groups of processes between the call and `stop()`. */
export function cpuMeter(groups: Record<string, () => number[]>) {
  const snapshot = () =>
    Object.fromEntries(
      Object.entries(groups).map(([k, pids]) => {
        const list = pids();
        const usage: Usage = {
          cpuMs: list.reduce((s, p) => s + cpuMs(p), 0),
          writes: list.reduce((s, p) => s + writeSyscalls(p), 0),
        };
        return [k, usage];
      }),
    );
  const before = snapshot();
  return {
    stop(): Record<string, Usage> {
      const after = snapshot();
      return Object.fromEntries(
        Object.keys(groups).map((k) => [
          k,
          { cpuMs: after[k]!.cpuMs - before[k]!.cpuMs, writes: after[k]!.writes - before[k]!.writes },
        ]),
      );
    },
  };
}
