import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './ports.js';
import { until } from './until.js';

/** Debian's Prometheus (`apt-get install prometheus`); .ci/run installs it. */
export const PROMETHEUS_BIN = '/usr/bin/prometheus';

export interface PrometheusServer {
  url: string;
  /** The result vector of a PromQL instant query. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** Resolves with the first result of `promql` that `accept` takes, polling until `timeoutMs`. */
  until(
    promql: string,
    accept: (result: { metric: Record<string, string>; value: number }[]) => boolean,
    timeoutMs?: number,
  ): Promise<{ metric: Record<string, string>; value: number }[]>;
  stop(): Promise<void>;
}

/** A real Prometheus scraping `targets` (metrics URLs) every second, with its own data directory. */
export async function startPrometheus(targets: string[]): Promise<PrometheusServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'distill-prometheus-'));
  const jobs = targets.map((target, i) => {
    const url = new URL(target);
    return `  - job_name: target${i}\n    metrics_path: ${url.pathname}\n    static_configs:\n      - targets: ['${url.host}']`;
  });
  writeFileSync(
    path.join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n${jobs.join('\n')}\n`,
  );
  const port = await freePort();
  const child = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + 30_000;
  for (;;) {
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`prometheus did not start: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  async function query(promql: string) {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as {
      status: string;
      error?: string;
      data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    if (body.status !== 'success') throw new Error(`PromQL ${promql}: ${body.error}`);
    return body.data.result;
  }

  return {
    url,
    query,
    until: (promql, accept, timeoutMs = 30_000) =>
      until(async () => (await query(promql)).map((r) => ({ metric: r.metric, value: Number(r.value[1]) })), accept, timeoutMs),
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
