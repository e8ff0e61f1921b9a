import os from 'node:os';
import { parseArgs } from 'node:util';
import { createApiKeyRepository, type ApiKey } from '../access/api-key.repository.js';
import { createAuditLog } from '../access/audit.repository.js';
import { isTenantName, parseScopes } from '../access/scopes.js';
import type { Config } from '../config/config.js';
import { createDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';

export const KEYS_USAGE = `usage: distill keys <create|list|revoke>
  keys create --tenant <name> --scopes <list> [--name <text>] [--expires-in <days>]
              [--rate <requests/s>] [--burst <requests>] [--daily <articles/day>]
      prints the new key on its last line; it is shown only this once
      scopes: articles:read, articles:write, admin (comma-separated)
  keys list                 every key: id, prefix, tenant, scopes, state
  keys revoke <id>          the key stops working (within AUTH_CACHE_MS on running servers)`;

/** A usage error: printed with the usage text, exit code 2. */
export class UsageError extends Error {}

/** `distill keys …`: returns the lines to print. */
export async function runKeysCommand(args: string[], config: Pick<Config, 'database'>): Promise<string[]> {
  const [action, ...rest] = args;
  if (action !== 'create' && action !== 'list' && action !== 'revoke')
    throw new UsageError(`unknown keys command "${action ?? ''}"`);
  const create = action === 'create' ? parseCreate(rest) : undefined;
  if (action === 'revoke' && rest.length !== 1) throw new UsageError('keys revoke takes one key id');

  const db = await createDatabase(config.database);
  try {
    await migrateToLatest(db);
    const keys = createApiKeyRepository(db);
    const audit = createAuditLog(db);
    const operator = { by: 'cli', user: os.userInfo().username, host: os.hostname() };
    if (create) {
      const { apiKey, key } = await keys.create(create);
      await audit.record(null, 'key.create', apiKey.id, { ...operator, tenant: apiKey.tenantId, scopes: apiKey.scopes });
      return [...describe(apiKey), 'key (shown once, store it now):', key];
    }
    if (action === 'list') {
      const all = await keys.list();
      return all.length === 0 ? ['no keys'] : all.map((k) => describe(k).join('  '));
    }
    const id = rest[0]!;
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new UsageError(`"${id}" is not a key id (see distill keys list)`);
    const revoked = await keys.revoke(id);
    if (!revoked) throw new UsageError(`no active key with id ${id}`);
    await audit.record(null, 'key.revoke', id, { ...operator, tenant: revoked.tenantId });
    return [`revoked ${revoked.id} (${revoked.prefix}…, tenant ${revoked.tenantId})`];
  } finally {
    await db.destroy();
  }
}

function parseCreate(args: string[]) {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        tenant: { type: 'string' },
        scopes: { type: 'string' },
        name: { type: 'string' },
        'expires-in': { type: 'string' },
        rate: { type: 'string' },
        burst: { type: 'string' },
        daily: { type: 'string' },
      },
      strict: true,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (!values.tenant || !isTenantName(values.tenant))
    throw new UsageError('--tenant is required: 1-64 letters, digits, _ . or -, starting with a letter or digit');
  let scopes;
  try {
    scopes = parseScopes(values.scopes ?? '');
  } catch (err) {
    throw new UsageError(`--scopes: ${(err as Error).message}`);
  }
  const days = positive(values['expires-in'], '--expires-in');
  return {
    tenantId: values.tenant,
    scopes,
    name: values.name ?? null,
    expiresAt: days === null ? null : new Date(Date.now() + days * 86_400_000),
    limits: {
      ratePerSecond: positive(values.rate, '--rate'),
      rateBurst: positive(values.burst, '--burst'),
      dailyArticles: positive(values.daily, '--daily'),
    },
  };
}

function positive(value: string | undefined, flag: string): number | null {
  if (value === undefined) return null;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number`);
  return n;
}

function describe(k: ApiKey): string[] {
  const state = k.revokedAt ? 'revoked' : k.expiresAt && k.expiresAt.getTime() <= Date.now() ? 'expired' : 'active';
  return [
    `id: ${k.id}`,
    `prefix: ${k.prefix}`,
    `tenant: ${k.tenantId}`,
    `scopes: ${k.scopes.join(',')}`,
    `state: ${state}`,
    ...(k.expiresAt ? [`expires: ${k.expiresAt.toISOString()}`] : []),
    ...(k.name ? [`name: ${k.name}`] : []),
  ];
}
