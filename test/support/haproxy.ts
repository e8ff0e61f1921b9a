import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, untilListening } from './ports.js';
import { until } from './until.js';

/** Debian's HAProxy (`apt-get install haproxy`); .ci/run installs it. */
export const HAPROXY_BIN = '/usr/sbin/haproxy';
/** The balancer's configuration that docker-compose.yml runs, not a copy of it. */
const CONFIG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../deploy/haproxy/haproxy.cfg');

export interface LoadBalancer {
  /** http://127.0.0.1:port, in front of the APIs. */
  url: string;
  /** What it logged (a line per request, and each server going up or down). */
  log(): string;
  stop(): Promise<void>;
}

/** deploy/haproxy/haproxy.cfg in front of two API processes (host:port each); resolves once both are up. */
export async function startHaproxy(apis: [string, string]): Promise<LoadBalancer> {
  const [port, statusPort] = [await freePort(), await freePort()];
  const child = spawn(HAPROXY_BIN, ['-db', '-f', CONFIG], {
    env: {
      PATH: process.env.PATH ?? '',
      LB_BIND: `127.0.0.1:${port}`,
      LB_STATUS_BIND: `127.0.0.1:${statusPort}`,
      API_1: apis[0],
      API_2: apis[1],
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let [stdout, stderr] = ['', ''];
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await untilListening(port, 10_000).catch((err: Error) => {
    throw new Error(`${err.message}; haproxy said: ${stderr}`);
  });
  // Its own Prometheus metrics say when the health checks have found both servers.
  await until(
    () =>
      fetch(`http://127.0.0.1:${statusPort}/metrics`).then(
        (r) => r.text(),
        () => '',
      ),
    (text) => (text.match(/^haproxy_server_status\{proxy="api",server="api-\d",state="UP"\} 1$/gm) ?? []).length === 2,
    10_000,
  );
  return {
    url: `http://127.0.0.1:${port}`,
    log: () => stdout + stderr,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
