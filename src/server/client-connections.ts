import type { IncomingMessage } from 'node:http';

/**
 * Long-lived connections (WebSockets and SSE streams) per client address, so one client cannot
 * hold every socket the process has.
 */
export function createClientConnections(maxPerClient: number) {
  const open = new Map<string, number>();
  return {
    /** Takes a slot for this client; false when it holds `maxPerClient` already. Call `release` after. */
    acquire(req: IncomingMessage): boolean {
      const client = clientAddress(req);
      const count = open.get(client) ?? 0;
      if (count >= maxPerClient) return false;
      open.set(client, count + 1);
      return true;
    },
    release(req: IncomingMessage): void {
      const client = clientAddress(req);
      const count = (open.get(client) ?? 1) - 1;
      if (count <= 0) open.delete(client);
      else open.set(client, count);
    },
  };
}

function clientAddress(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}

/**
 * Whether a browser page from `origin` may call the API: no Origin (not a browser), the API's own
 * origin, or one listed in CORS_ORIGINS.
 */
export function originAllowed(req: IncomingMessage, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (allowed.includes(origin)) return true;
  const host = req.headers.host;
  return host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
}
