import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../src/config/config.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

interface Service {
  image?: string;
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
];
const toolsOf = (s: Service) => (s.build !== undefined ? ['node'] : (TOOLS.find(([image]) => image.test(s.image!))?.[1] ?? []));

/** Compose's `${NAME:-default}` as `docker compose` would read it with nothing set in the shell. */
const interpolate = (value: string | number) => String(value).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');

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
      const env = Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolate(v)]));
      expect(() => loadConfig(env), name).not.toThrow();
    }
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
