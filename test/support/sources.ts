// Requests from chosen source addresses (127.0.0.2, 127.0.0.3, … are all this machine), for the
// throttling suites: each agent's connections leave from its own loopback address.
import http from 'node:http';
import type { Envelope } from './app.ts';
import { ChatSocket, socketUrl } from './chat.ts';

export interface Source {
  address: string;
  agent: http.Agent;
}

export function source(address: string): Source {
  return { address, agent: new http.Agent({ keepAlive: true, localAddress: address }) };
}

/** One request from `from` (a POST of `body`, or a GET when it is null): the HTTP status, envelope, headers. */
export function callFrom(
  from: Source,
  base: string,
  path: string,
  headers: Record<string, string>,
  body: string | null = '""',
): Promise<{ status: number; body: Envelope; headers: http.IncomingHttpHeaders }> {
  const url = new URL(path, base);
  const method = body === null ? 'GET' : 'POST';
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: from.agent, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Envelope, headers: res.headers });
        } catch (err) {
          reject(err);
        }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

/** Opens the chat socket from `from`; resolves to the socket, or to the refusal's status and envelope. */
export async function socketFrom(
  from: Source,
  base: string,
  appKeyHeader: string,
  accessToken: string,
  headers: Record<string, string> = {},
): Promise<{ socket: ChatSocket } | { status: number; body: Envelope }> {
  try {
    return { socket: await ChatSocket.open(socketUrl(base, appKeyHeader, accessToken), headers, { localAddress: from.address }) };
  } catch (err) {
    const { statusCode, body } = err as { statusCode?: number; body?: string };
    if (statusCode === undefined || body === undefined) throw err;
    return { status: statusCode, body: JSON.parse(body) as Envelope };
  }
}

export function closeSources(sources: Source[]): void {
  for (const s of sources) s.agent.destroy();
}
