import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, untilListening } from './ports.js';

// Debian installs it under /usr/sbin, which a CI environment's PATH may lack.
export const NATS_SERVER_BIN =
  process.env.TEST_NATS_SERVER_BIN || (existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server');

export interface PrivateNatsServer {
  url: string;
  /** SIGKILL: no chance to flush or say goodbye. */
  kill(): Promise<void>;
  /** Starts again on the same port with the same JetStream store. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** One nats-server process of the test's own, on its own port and JetStream store directory. */
async function natsNode(extraArgs: (port: number) => string[] = () => []): Promise<PrivateNatsServer & { port: number }> {
  const port = await freePort();
  const storeDir = mkdtempSync(path.join(tmpdir(), 'distill-nats-'));
  const args = ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir, ...extraArgs(port)];
  let child: ChildProcess | undefined;
  const kill = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((resolve) => c.once('exit', resolve));
    c.kill('SIGKILL');
    await exited;
  };
  return {
    port,
    url: `nats://127.0.0.1:${port}`,
    kill,
    start: async () => {
      child = spawn(NATS_SERVER_BIN, args, { stdio: 'ignore' });
      await untilListening(port, 10_000);
    },
    stop: async () => {
      await kill();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

/** A nats-server of the test's own, so it can be killed and restarted. */
export async function startPrivateNatsServer(): Promise<PrivateNatsServer> {
  const node = await natsNode();
  await node.start();
  return node;
}

export interface NatsCluster {
  /** The servers, as NATS_URL lists them. */
  url: string;
  /** Server name → its node. */
  nodes: Map<string, PrivateNatsServer>;
  stop(): Promise<void>;
}

/** Three (or `size`) nats-server processes in one JetStream cluster, routed on loopback ports. */
export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  const routePorts = await Promise.all(Array.from({ length: size }, () => freePort()));
  const routes = routePorts.map((p) => `nats://127.0.0.1:${p}`).join(',');
  const nodes = new Map<string, PrivateNatsServer>();
  for (const [i, routePort] of routePorts.entries()) {
    const name = `n${i + 1}`;
    // Clients learn no other servers than the ones they were given (a test's proxy stays the only way in).
    const node = await natsNode(() => [
      ...['-n', name, '--cluster_name', 'distill-test', '--no_advertise'],
      ...['--cluster', `nats://127.0.0.1:${routePort}`, '--routes', routes],
    ]);
    nodes.set(name, node);
  }
  await Promise.all([...nodes.values()].map((n) => n.start()));
  return {
    url: [...nodes.values()].map((n) => n.url).join(','),
    nodes,
    stop: async () => {
      await Promise.all([...nodes.values()].map((n) => n.stop()));
    },
  };
}
