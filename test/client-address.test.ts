import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddressOf } from '../src/server/client-connections.js';

const request = (peer: string, forwardedFor?: string) =>
  ({ socket: { remoteAddress: peer }, headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} }) as IncomingMessage;

describe('the client address behind load balancers (TRUSTED_PROXIES)', () => {
  it('is the peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    const of = clientAddressOf([]);
    expect(of(request('10.0.0.5', '203.0.113.9'))).toBe('10.0.0.5');
    expect(of(request('::ffff:10.0.0.5'))).toBe('10.0.0.5');
  });

  it("is the nearest untrusted address of a trusted proxy's X-Forwarded-For, never one a client wrote", () => {
    const of = clientAddressOf(['10.0.0.0/8', '::1']);
    expect(of(request('::ffff:10.1.2.3', '203.0.113.9'))).toBe('203.0.113.9');
    // A client that sends its own X-Forwarded-For only adds addresses before the real one.
    expect(of(request('10.1.2.3', '1.1.1.1, 203.0.113.9'))).toBe('203.0.113.9');
    // Two proxies in a row, both trusted.
    expect(of(request('::1', '198.51.100.7, 10.9.9.9'))).toBe('198.51.100.7');
    // A peer that is not trusted speaks for itself only.
    expect(of(request('192.0.2.1', '203.0.113.9'))).toBe('192.0.2.1');
    // Garbage in the header stops the walk at the last address that made sense.
    expect(of(request('10.1.2.3', 'not-an-ip'))).toBe('10.1.2.3');
    expect(of(request('10.1.2.3'))).toBe('10.1.2.3');
  });
});
