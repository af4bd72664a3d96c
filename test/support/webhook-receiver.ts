// A customer's webhook receiver for the tests: a real HTTP server on loopback that records what arrives
// and answers as each test tells it (fail, hang, redirect, an endless body). It checks signatures the
// way the Standard Webhooks specification tells receivers to, independently of Parley's code.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  id: string;
  timestamp: number;
  signature: string;
  event: string;
  body: string;
  json: Record<string, unknown>;
  /** The signature checks out with the endpoint's secret (set once `secret` is known). */
  valid: boolean;
}

/**
 * What to do with a request: answer a status (after `delayMs`), or take it over (`res` is answered by
 * the function, and the request is not recorded).
 */
export type Behaviour = (req: IncomingMessage, res: ServerResponse, n: number) => number | { status: number; delayMs: number } | 'handled';

export function verifySignature(secret: string, id: string, timestamp: number, body: string, header: string): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = Buffer.from(createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64'));
  return header.split(' ').some((part) => {
    const [version, value] = part.split(',');
    const given = Buffer.from(value ?? '');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

export class WebhookReceiver {
  readonly received: Received[] = [];
  secret = '';
  behaviour: Behaviour = () => 200;
  #count = 0;
  #waiters: Array<() => void> = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<WebhookReceiver> {
    let self: WebhookReceiver | undefined;
    const server = createServer((req, res) => self?.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new WebhookReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`);
    return self;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const n = ++this.#count;
      const id = String(req.headers['webhook-id'] ?? '');
      const timestamp = Number(req.headers['webhook-timestamp']);
      const signature = String(req.headers['webhook-signature'] ?? '');
      const decided = this.behaviour(req, res, n);
      if (decided === 'handled') return;
      const { status: outcome, delayMs } = typeof decided === 'number' ? { status: decided, delayMs: 0 } : decided;
      const answer = () => res.writeHead(outcome, { 'content-type': 'text/plain' }).end(outcome < 300 ? 'ok' : 'no');
      if (delayMs > 0) {
        setTimeout(() => {
          // Recorded once answered: a request cut off before (its sender died) never counts as received.
          if (res.destroyed) return;
          this.#record(outcome, id, timestamp, signature, req, body);
          answer();
        }, delayMs);
        return;
      }
      this.#record(outcome, id, timestamp, signature, req, body);
      answer();
    });
  }

  #record(outcome: number, id: string, timestamp: number, signature: string, req: IncomingMessage, body: string): void {
    if (outcome >= 200 && outcome < 300) {
      this.received.push({
        id,
        timestamp,
        signature,
        event: String(req.headers['parley-event'] ?? ''),
        body,
        json: JSON.parse(body) as Record<string, unknown>,
        valid: this.secret !== '' && verifySignature(this.secret, id, timestamp, body, signature),
      });
      for (const w of this.#waiters.splice(0)) w();
    }
  }

  /** Waits until `predicate` holds of what was received (fails after `timeoutMs`). */
  async until(predicate: (r: Received[]) => boolean, timeoutMs = 15_000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.received)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`the receiver did not get what was expected within ${timeoutMs} ms (got ${this.received.length})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.received;
  }

  /** Requests answered so far (also the failed ones). */
  get attempts(): number {
    return this.#count;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
