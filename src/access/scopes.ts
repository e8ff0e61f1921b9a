/** What a key may do. `admin` may do everything, in every tenant. */
export const SCOPES = ['articles:read', 'articles:write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export const DEFAULT_TENANT = 'default';

/** Parses `articles:read,articles:write`; throws with the offending names. */
export function parseScopes(list: string): Scope[] {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(SCOPES as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0)
    throw new Error(
      `scopes must be a comma-separated list of ${SCOPES.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`,
    );
  return [...new Set(names)] as Scope[];
}

const TENANT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function isTenantName(name: string): boolean {
  return TENANT.test(name);
}
