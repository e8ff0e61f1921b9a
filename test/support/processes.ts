import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const open = new Set<ChildProcess>();

export function openChildren(): ChildProcess[] {
  return [...open];
}

export interface DistillProcess {
  child: ChildProcess;
  /** Every log line printed so far, parsed. */
  logs: Record<string, unknown>[];
  /** Resolves with the first log line that matches, or rejects after `timeoutMs`. */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
  /**
   * From now on, drains stdout without parsing or keeping it (benchmarks: a line per job parsed
   * here would be measured as the system's cost on a shared machine).
   */
  ignoreLogs(): void;
}

/** Spawns `distill <command>` (or another script) as a real process with exactly this environment (plus PATH). */
export function spawnDistill(
  command: string,
  env: Record<string, string>,
  script: string[] = ['src/cli.ts', command],
): DistillProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', ...script], {
    cwd: ROOT,
    // Tests read the child's log lines, so it always logs at info or finer.
    env: { PATH: process.env.PATH ?? '', ...env, LOG_LEVEL: env.LOG_LEVEL === 'debug' ? 'debug' : 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  open.add(child);
  const logs: Record<string, unknown>[] = [];
  const watchers = new Set<(line: Record<string, unknown>) => void>();
  let stderr = '';
  let partial = '';
  let ignoring = false;
  child.stdout!.on('data', (chunk: Buffer) => {
    if (ignoring) return;
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const text of lines) {
      if (!text.trim()) continue;
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        line = { msg: text };
      }
      logs.push(line);
      for (const watcher of watchers) watcher(line);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      open.delete(child);
      resolve({ code, signal });
    }),
  );
  return {
    child,
    logs,
    exited,
    kill: (signal = 'SIGTERM') => child.kill(signal),
    ignoreLogs: () => {
      ignoring = true;
      partial = '';
    },
    waitForLog(match, timeoutMs = 30_000) {
      const found = logs.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          watchers.delete(watcher);
          reject(new Error(`no matching log line within ${timeoutMs} ms from "${command}"; stderr: ${stderr.slice(-2000)}`));
        }, timeoutMs);
        const watcher = (line: Record<string, unknown>) => {
          if (!match(line)) return;
          clearTimeout(timer);
          watchers.delete(watcher);
          resolve(line);
        };
        watchers.add(watcher);
        void exited.then(({ code }) => {
          if (!watchers.has(watcher)) return;
          clearTimeout(timer);
          watchers.delete(watcher);
          reject(new Error(`"${command}" exited (${code}) before the expected log line; stderr: ${stderr.slice(-2000)}`));
        });
      });
    },
  };
}

/** Kills (SIGKILL) every process of `children` and empties it: an afterEach for tests that spawn workers. */
export async function killAll(children: DistillProcess[]): Promise<void> {
  for (const child of children.splice(0)) {
    child.kill('SIGKILL');
    await child.exited;
  }
}
