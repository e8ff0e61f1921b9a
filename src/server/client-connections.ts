import type { IncomingMessage } from 'node:http';
import net from 'node:net';

/**
 * Long-lived connections (WebSockets and SSE streams) per client address, so one client cannot
 * hold every socket the process has. Behind a trusted load balancer the client is the one its
 * X-Forwarded-For names, not the balancer.
 */
export function createClientConnections(maxPerClient: number, trustedProxies: readonly string[] = []) {
  const open = new Map<string, number>();
  const clientAddress = clientAddressOf(trustedProxies);
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

/** An IPv4 peer of a dual-stack socket shows as ::ffff:a.b.c.d. */
const plain = (address: string) => address.replace(/^::ffff:(?=\d+\.)/, '');

/**
 * The client's address: the connection's peer, or, when that peer is a trusted proxy, the nearest
 * address in X-Forwarded-For that is not (each proxy appends the address it was called from).
 */
export function clientAddressOf(trustedProxies: readonly string[]): (req: IncomingMessage) => string {
  const trusted = new net.BlockList();
  for (const entry of trustedProxies) {
    const [address, bits] = entry.split('/') as [string, string?];
    const family = net.isIPv4(address) ? 'ipv4' : 'ipv6';
    if (bits === undefined) trusted.addAddress(address, family);
    else trusted.addSubnet(address, Number(bits), family);
  }
  const isTrusted = (address: string) => net.isIP(address) !== 0 && trusted.check(address, net.isIPv4(address) ? 'ipv4' : 'ipv6');
  return (req) => {
    let client = plain(req.socket.remoteAddress ?? 'unknown');
    const forwarded = req.headers['x-forwarded-for'];
    if (trustedProxies.length === 0 || !forwarded || !isTrusted(client)) return client;
    const hops = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded).split(',').map((h) => plain(h.trim()));
    for (let i = hops.length - 1; i >= 0 && isTrusted(client); i--) {
      if (net.isIP(hops[i]!) === 0) break;
      client = hops[i]!;
    }
    return client;
  };
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
