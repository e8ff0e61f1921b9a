import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { inject } from 'vitest';
import { jobNames } from '../../src/queue/jetstream.queue.js';

export type Backend = 'real' | 'embedded';

const services = () => inject('services');

/** True when PostgreSQL and nats-server are reachable (always in CI: global setup fails otherwise). */
export function hasRealServices(): boolean {
  const s = services();
  return s.postgresAdminUrl !== null && s.natsUrl !== null;
}

/** The backends a suite that runs on both should use here. */
export function availableBackends(): Backend[] {
  return hasRealServices() ? ['real', 'embedded'] : ['embedded'];
}

export function natsUrl(): string {
  const url = services().natsUrl;
  if (!url) throw new Error('nats-server is not reachable');
  return url;
}

/** A namespace no other test file uses (streams, consumers and subjects are prefixed by it). */
export function uniqueNamespace(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

/** A fresh database cloned from the migrated template (or an empty one); `drop` removes it. */
export async function createTestDatabase(
  options: { migrated: boolean } = { migrated: true },
): Promise<{ url: string; drop(): Promise<void> }> {
  const { postgresAdminUrl, templateDb } = services();
  if (!postgresAdminUrl) throw new Error('PostgreSQL is not reachable');
  const name = `distill_t_${randomBytes(5).toString('hex')}`;
  await adminQuery(postgresAdminUrl, `create database ${name} template ${options.migrated ? templateDb : 'template0'}`);
  const url = new URL(postgresAdminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => adminQuery(postgresAdminUrl, `drop database if exists ${name} with (force)`),
  };
}

/** A temporary PGlite data directory; `drop` deletes it. */
export function createTempDataDir(): { dir: string; drop(): Promise<void> } {
  const dir = mkdtempSync(path.join(tmpdir(), 'distill-pglite-'));
  return { dir, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

/** Deletes the namespace's job stream (and with it its consumers). */
export async function deleteNamespace(namespace: string): Promise<void> {
  const nc = await connect({ servers: natsUrl() });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(jobNames(namespace).stream).catch(() => false);
  } finally {
    await nc.close();
  }
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
