import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../src/config/config.js';
import { HAPROXY_BIN } from './support/haproxy.js';
import { NATS_SERVER_BIN } from './support/nats-server.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

interface Service {
  image?: string;
  profiles?: string[];
  stop_grace_period?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string | number>;
  depends_on?: string[] | Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  networks?: { default?: { ipam?: { config?: { subnet: string }[] } } };
};
const services = Object.entries(compose.services);
const ours = services.filter(([, s]) => s.build !== undefined);

/**
 * What each image can run in a healthcheck, from the images themselves: ours is Node; postgres has
 * its client tools; the alpine NATS image has busybox's wget (the plain one is scratch: nothing).
 */
const TOOLS: [RegExp, string[]][] = [
  [/^postgres:\d+/, ['pg_isready']],
  [/^nats:[\d.]+-alpine$/, ['wget']],
  [/^haproxy:[\d.]+-alpine$/, ['wget']],
];
const toolsOf = (s: Service) => (s.build !== undefined ? ['node'] : (TOOLS.find(([image]) => image.test(s.image!))?.[1] ?? []));

/** Compose's `${NAME:-default}` as `docker compose` would read it with nothing set in the shell. */
const interpolate = (value: string | number) => String(value).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');
/** A service's environment as its process would see it. */
const envOf = (s: Service) => Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolate(v)]));

// Checked without a Docker daemon: every reference resolves, every healthcheck can run in its image.
describe('docker-compose.yml and the Dockerfile', () => {
  it('pins every image to a tag, or builds it here', () => {
    for (const [name, s] of services) {
      if (s.build !== undefined) expect(s.build, name).toBe('.');
      else expect(s.image, name).toMatch(/^[\w./-]+:(?!latest$)[\w.-]+$/);
    }
  });

  it('depends only on services that exist, waiting for health only where there is a healthcheck', () => {
    for (const [name, s] of services) {
      const deps = Array.isArray(s.depends_on)
        ? s.depends_on.map((d) => [d, undefined] as const)
        : Object.entries(s.depends_on ?? {}).map(([d, c]) => [d, c.condition] as const);
      for (const [dep, condition] of deps) {
        expect(compose.services[dep], `${name} → ${dep}`).toBeDefined();
        if (condition === 'service_healthy') expect(compose.services[dep]!.healthcheck, `${dep} has a healthcheck`).toBeDefined();
        if (condition === 'service_completed_successfully')
          expect(compose.services[dep]!.command, `${dep} is a one-shot`).toEqual(['migrate']);
      }
    }
  });

  it('runs healthchecks with tools their images have', () => {
    for (const [name, s] of services) {
      if (!s.healthcheck) continue;
      const [kind, ...command] = s.healthcheck.test;
      const program = kind === 'CMD-SHELL' ? command[0]!.split(' ')[0] : command[0];
      expect(toolsOf(s), `${name}'s healthcheck runs ${program}`).toContain(program);
    }
  });

  it('mounts declared volumes and files that exist', () => {
    for (const [name, s] of services)
      for (const volume of s.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('.')) expect(existsSync(join(ROOT, source)), `${name}: ${source}`).toBe(true);
        else expect(compose.volumes, `${name}: volume ${source}`).toHaveProperty(source);
      }
  });

  it("starts Distill's services with a command the CLI has and a configuration it accepts", () => {
    expect(ours.length).toBeGreaterThan(0);
    for (const [name, s] of ours) {
      expect(['all', 'serve', 'work', 'migrate', 'mock-llm'], name).toContain(s.command?.[0]);
      const env = envOf(s);
      expect(() => loadConfig(env), name).not.toThrow();
      // Docker waits longer than the process's own grace period before it kills.
      if (['serve', 'work', 'all'].includes(s.command![0]!))
        expect(Number(/^(\d+)s$/.exec(s.stop_grace_period ?? '')?.[1]) * 1000, name).toBeGreaterThan(
          loadConfig(env).worker.shutdownGraceMs,
        );
    }
  });

  it('clusters three NATS nodes from one configuration file that nats-server accepts, and points Distill at all of them', () => {
    const nodes = services.filter(([, s]) => /^nats:/.test(s.image ?? ''));
    expect(nodes.map(([name]) => name)).toEqual(['nats-1', 'nats-2', 'nats-3']);
    const conf = read('deploy/nats/cluster.conf');
    const routes = [...conf.matchAll(/nats:\/\/([\w-]+):6222/g)].map((m) => m[1]);
    expect(routes).toEqual(nodes.map(([name]) => name));
    for (const [name, s] of nodes) {
      expect(s.environment?.NATS_SERVER_NAME, name).toBe(name);
      expect(s.command).toEqual(['-c', '/etc/nats/cluster.conf']);
      expect(s.volumes).toContain('./deploy/nats/cluster.conf:/etc/nats/cluster.conf:ro');
      // Parses the file as the server will (`-t`: check the configuration and exit).
      execFileSync(NATS_SERVER_BIN, ['-c', join(ROOT, 'deploy/nats/cluster.conf'), '-t'], {
        env: { NATS_SERVER_NAME: name },
        stdio: 'pipe',
      });
    }
    for (const [name, s] of ours.filter(([, s]) => ['serve', 'work'].includes(s.command![0]!))) {
      const config = loadConfig(envOf(s));
      expect(config.nats, name).toEqual({
        kind: 'nats',
        servers: nodes.map(([node]) => `nats://${node}:4222`),
        replicas: nodes.length,
      });
    }
  });

  it('balances the API processes with a configuration HAProxy accepts, and they trust only its network', () => {
    const [, lb] = services.find(([, s]) => /^haproxy:/.test(s.image ?? ''))!;
    expect(lb.volumes).toContain('./deploy/haproxy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro');
    const servers = [...read('deploy/haproxy/haproxy.cfg').matchAll(/^\s*server [\w-]+ "\$\{(\w+)\}"/gm)].map((m) => m[1]!);
    expect(servers).toEqual(['API_1', 'API_2']);
    const subnet = compose.networks?.default?.ipam?.config?.[0]?.subnet;
    for (const variable of servers) {
      const [host, port] = String(lb.environment![variable]).split(':');
      const api = compose.services[host!];
      expect(api?.command, `${variable} → ${host}`).toEqual(['serve']);
      expect(port).toBe('4000');
      expect(api!.environment!.TRUSTED_PROXIES).toBe(subnet);
    }
    // `-c`: parse and check, then exit (the API hosts need not resolve here).
    execFileSync(HAPROXY_BIN, ['-c', '-f', join(ROOT, 'deploy/haproxy/haproxy.cfg')], {
      env: envOf(lb),
      stdio: 'pipe',
    });
  });

  it('scrapes services that exist, with a configuration promtool accepts', () => {
    const prometheus = read('deploy/prometheus/prometheus.yml');
    for (const [, host] of prometheus.matchAll(/'([\w-]+):\d+'/g)) expect(compose.services, host).toHaveProperty(host!);
    for (const [, host] of prometheus.matchAll(/names: \['([\w-]+)'\]/g)) expect(compose.services, host).toHaveProperty(host!);
    execFileSync('promtool', ['check', 'config', join(ROOT, 'deploy/prometheus/prometheus.yml')], { stdio: 'pipe' });
  });

  it('builds on a current Node LTS, copies what exists, and runs as a user who can write the data directory', () => {
    const dockerfile = read('Dockerfile');
    const stages = [...dockerfile.matchAll(/^FROM (\S+)(?: AS (\w+))?$/gm)];
    expect(stages.length).toBeGreaterThan(0);
    for (const [, image] of stages) {
      const major = Number(/^node:(\d+)-/.exec(image!)?.[1]);
      expect(major % 2 === 0 && major >= 22, image).toBe(true);
    }
    const names = stages.map((s) => s[2]).filter(Boolean);
    for (const [, from] of dockerfile.matchAll(/--from=(\w+)/g)) expect(names).toContain(from);
    for (const [, sources] of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm))
      for (const source of sources!.split(' ')) expect(existsSync(join(ROOT, source)), source).toBe(true);
    const final = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const user = final.indexOf('\nUSER node');
    expect(user).toBeGreaterThan(0);
    // The embedded default writes ./.data under WORKDIR /app.
    expect(final.slice(0, user)).toMatch(/WORKDIR \/app[\s\S]*mkdir -p \.data && chown node:node \.data/);
    expect(final).toMatch(/ENTRYPOINT \["node", "--import", "tsx", "src\/cli\.ts"\]/);
  });
});

// The units as `systemd-analyze verify` reads them (offline: no systemd needs to run here).
describe('deploy/systemd', () => {
  const units = ['distill-api.service', 'distill-worker@.service'];
  const envFile = Object.fromEntries(
    read('deploy/systemd/distill.env')
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  const setting = (unit: string, key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(read(`deploy/systemd/${unit}`))?.[1];

  it('passes systemd-analyze verify without a warning (the template as an instance)', () => {
    for (const unit of units) {
      const instance = join(ROOT, 'deploy/systemd', unit.replace('@.', '@1.'));
      const result = spawnSync('systemd-analyze', ['verify', '--man=no', instance], { encoding: 'utf8' });
      expect(result.status, `${unit}: ${result.stderr}`).toBe(0);
      expect(result.stderr + result.stdout, unit).toBe('');
    }
  });

  it('restarts on failure, and waits longer than SHUTDOWN_GRACE_MS before it kills', () => {
    const config = loadConfig(envFile);
    for (const unit of units) {
      expect(setting(unit, 'Restart'), unit).toBe('on-failure');
      expect(setting(unit, 'EnvironmentFile'), unit).toBe('/etc/distill/distill.env');
      const stopSec = Number(/^(\d+)s$/.exec(setting(unit, 'TimeoutStopSec') ?? '')?.[1]);
      expect(stopSec * 1000, unit).toBeGreaterThan(config.worker.shutdownGraceMs);
    }
    expect(setting('distill-api.service', 'ExecStart')).toMatch(/ src\/cli\.ts serve$/);
    expect(setting('distill-worker@.service', 'ExecStart')).toMatch(/ src\/cli\.ts work$/);
    // Each instance of the template is a worker of its own.
    expect(setting('distill-worker@.service', 'Environment')).toBe('WORKER_ID=%H-%i');
  });

  it('ships an environment file the configuration accepts', () => {
    const config = loadConfig(envFile);
    expect(config.nats).toMatchObject({ kind: 'nats', replicas: 3 });
    expect(config.nats.kind === 'nats' && config.nats.servers).toHaveLength(3);
    expect(config.auth.mode).toBe('required');
  });
});
