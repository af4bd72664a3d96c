// Every TCP connection holds a descriptor, and a server out of descriptors can neither accept anyone
// nor open its database. So connections are capped in total and per client address, and refused ones
// are closed at once: there is no request yet to answer.
import type { Server } from 'node:http';
import { isIPv6 } from 'node:net';

export interface ConnectionLimits {
  /** Connections at once; past it Node closes new ones as they are accepted (`maxConnections`). */
  max: number;
  /** Connections at once from one address (an IPv6 /64: one host's usual share); 0 = no cap. */
  perAddress: number;
  /** Peers spared the per-address cap: trusted proxies, through which every client arrives. */
  exempt(address: string): boolean;
}

export function limitConnections(server: Server, limits: ConnectionLimits, refused: (reason: 'total' | 'address') => void): void {
  server.maxConnections = limits.max;
  server.on('drop', () => refused('total'));
  if (limits.perAddress === 0) return;
  const open = new Map<string, number>();
  server.on('connection', (socket) => {
    const address = socket.remoteAddress;
    // No address: the peer is already gone.
    if (address === undefined || limits.exempt(address)) return;
    const key = addressKey(address);
    const count = (open.get(key) ?? 0) + 1;
    if (count > limits.perAddress) {
      refused('address');
      socket.destroy();
      return;
    }
    open.set(key, count);
    socket.once('close', () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left === 0) open.delete(key);
      else open.set(key, left);
    });
  });
}

/** IPv4 as is (also when mapped into IPv6); IPv6 by its /64, since one host commonly holds a whole /64. */
export function addressKey(address: string): string {
  if (address.startsWith('::ffff:') && address.includes('.')) return address.slice(7);
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, '').toLowerCase())
    .join(':')}::/64`;
}
