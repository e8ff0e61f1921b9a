import { DEFAULT_TENANT, type Scope } from './scopes.js';

/** Per-key limits; null fields take the configured defaults. */
export interface KeyLimitSettings {
  ratePerSecond: number | null;
  rateBurst: number | null;
  dailyArticles: number | null;
}

/** Who is asking: the key (null when AUTH=off), its tenant and scopes. */
export interface Viewer {
  keyId: string | null;
  tenantId: string;
  scopes: ReadonlySet<Scope>;
  limits: KeyLimitSettings | null;
}

/** The caller when AUTH=off: every scope, in the default tenant, no per-key limits. */
export const OPEN_VIEWER: Viewer = Object.freeze({
  keyId: null,
  tenantId: DEFAULT_TENANT,
  scopes: new Set<Scope>(['admin', 'articles:read', 'articles:write']),
  limits: null,
});

/** Distill itself, acting on every tenant's rows (the scheduled jobs); `system` in the audit log. */
export const SYSTEM_VIEWER: Viewer = Object.freeze({
  keyId: null,
  tenantId: 'system',
  scopes: new Set<Scope>(['admin']),
  limits: null,
});

export function hasScope(viewer: Viewer, scope: Scope): boolean {
  return viewer.scopes.has('admin') || viewer.scopes.has(scope);
}

/** The tenant whose rows the viewer may see; null means every tenant (admin). */
export function visibleTenant(viewer: Viewer): string | null {
  return viewer.scopes.has('admin') ? null : viewer.tenantId;
}
