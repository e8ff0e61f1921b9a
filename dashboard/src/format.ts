/** How numbers, money, times and durations read on every view. */

export const usd = (v: number | null | undefined): string =>
  v == null ? '—' : v === 0 ? '$0' : v < 0.01 ? `$${v.toFixed(5)}` : `$${v.toFixed(2)}`;

export const count = (v: number | null | undefined): string => (v == null ? '—' : Math.round(v).toLocaleString('en-US'));

export const percent = (v: number | null | undefined): string => (v == null ? '—' : `${(v * 100).toFixed(1)} %`);

export function duration(ms: number | null | undefined): string {
  if (ms == null) return '—';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return minutes < 60
    ? `${minutes} min ${Math.round((ms % 60_000) / 1_000)} s`
    : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export const time = (iso: string | null | undefined): string =>
  iso ? new Date(iso).toLocaleString('en-GB', { dateStyle: 'short', timeStyle: 'medium' }) : '—';

export const age = (iso: string, now: number): string => duration(Math.max(0, now - Date.parse(iso)));

/** Midnight UTC of the day `at` falls in. */
export function utcDay(at: number): Date {
  const d = new Date(at);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}
