// One webhook delivery over HTTP, signed the Standard Webhooks way: `webhook-id` (the same on every
// attempt), `webhook-timestamp` (seconds) and `webhook-signature` = `v1,` + base64 HMAC-SHA256 of
// `id.timestamp.body` under the endpoint's secret. Bounded in every way a receiver could stall it: a
// connect and an answer deadline, no redirects followed, at most 1 KiB of the answer read.
import { createHmac, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { Agent, request } from 'undici';
import { guardedLookup, isPrivateAddress } from './address-guard.ts';

/** A new endpoint secret, `whsec_` + base64 of 32 random bytes (the Standard Webhooks form). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export function signature(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

export interface SendOptions {
  allowPrivate: boolean;
  /** Milliseconds to connect, and then to get the answer's status and headers. */
  timeoutMs: number;
}

export type SendOutcome = { ok: true; status: number } | { ok: false; status: number | null; error: string };

export interface WebhookSender {
  send(url: string, secret: string, id: string, body: string, timestampSeconds: number, event: string): Promise<SendOutcome>;
  close(): Promise<void>;
}

const ANSWER_BYTES = 1024;

export function createSender(options: SendOptions): WebhookSender {
  const agent = new Agent({
    connect: { timeout: options.timeoutMs, lookup: guardedLookup(options.allowPrivate) },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    connections: 64,
  });
  return {
    async send(url, secret, id, body, timestamp, event) {
      const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
      // A literal address is never looked up: checked here.
      if (!options.allowPrivate && isIP(host) !== 0 && isPrivateAddress(host)) return { ok: false, status: null, error: 'private address refused' };
      try {
        const res = await request(url, {
          method: 'POST',
          dispatcher: agent,
          body,
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Parley-Webhooks',
            'webhook-id': id,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': signature(secret, id, timestamp, body),
            'parley-event': event,
          },
        });
        // Read a little of the answer for the record, never all of it (it could be anything, or endless).
        let answer = '';
        for await (const chunk of res.body) {
          answer += Buffer.from(chunk as Uint8Array).toString('utf8');
          if (answer.length >= ANSWER_BYTES) break;
        }
        res.body.destroy();
        if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true, status: res.statusCode };
        const where = res.statusCode >= 300 && res.statusCode < 400 ? 'redirect not followed' : 'receiver refused';
        return { ok: false, status: res.statusCode, error: `${where}: HTTP ${res.statusCode} ${answer.slice(0, 200)}` };
      } catch (err) {
        const e = err as { code?: string; message?: string };
        return { ok: false, status: null, error: `${e.code ?? 'error'}: ${e.message ?? String(err)}` };
      }
    },
    close: () => agent.close(),
  };
}
