// Which address a request comes from, behind the proxies PARLEY_TRUST_PROXY names. Fastify's
// `request.ip` and the socket upgrade (which Fastify never sees) use this one function, so a client's
// failures count against the same subject whichever way it comes in.
//
// X-Forwarded-For is read from the right: each trusted hop appended the address it received from, and
// the first address that is not a trusted proxy is the client. Entries further left were written by
// the client itself and are never believed.
import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';
import type { TrustProxy } from '../config-parts.ts';

/** `(address, hop) => trusted`, as Fastify's trustProxy option takes it; undefined trusts no proxy. */
export type ProxyTrust = ((address: string, hop: number) => boolean) | undefined;

export function proxyTrust(setting: TrustProxy): ProxyTrust {
  if (setting === false) return undefined;
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return proxyAddr.compile([...setting]);
}

export function clientAddress(req: IncomingMessage, trust: ProxyTrust): string {
  const peer = req.socket.remoteAddress;
  // proxy-addr needs the peer's address; a socket already closed has none.
  if (trust === undefined || peer === undefined) return peer ?? '';
  return proxyAddr(req, trust);
}
