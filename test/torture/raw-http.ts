// Raw-socket requests for the fuzz suite: bodies shorter than their Content-Length, cut or half-closed
// connections, and malformed HTTP that no HTTP client would send.
import net from 'node:net';
import fc from 'fast-check';
import { latin1 } from './fuzz-requests.ts';
import { SYNC_PATH } from './support.ts';

export interface RawResponse {
  status: number;
  body: string;
}

/** Splits what came back on one connection into responses (Content-Length or chunked bodies). */
function parseResponses(data: Buffer): RawResponse[] {
  const out: RawResponse[] = [];
  let rest = data.toString('latin1');
  for (;;) {
    const head = rest.indexOf('\r\n\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(rest);
    if (head < 0 || !m) return out;
    const headers = rest.slice(0, head).toLowerCase();
    rest = rest.slice(head + 4);
    let body = '';
    const length = /\r\ncontent-length: *(\d+)/.exec(headers);
    if (length) {
      body = rest.slice(0, Number(length[1]));
      rest = rest.slice(body.length);
    } else if (/\r\ntransfer-encoding: *chunked/.test(headers)) {
      for (let n = 1; n > 0; ) {
        const eol = rest.indexOf('\r\n');
        n = parseInt(rest.slice(0, eol), 16) || 0;
        body += rest.slice(eol + 2, eol + 2 + n);
        rest = rest.slice(eol + 2 + n + 2);
      }
    }
    out.push({ status: Number(m[1]), body: Buffer.from(body, 'latin1').toString('utf8') });
  }
}

/** Mostly well-formed heads whose body is shorter than its Content-Length; some malformed HTTP. */
const rawRequest = (apiKey: string) =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .record({
          path: fc.constantFrom(SYNC_PATH, '/api/integration/v1/user/request_auth_ticket', '/v1/server/auth_ticket/request', '/v1/client/project_configs'),
          sent: fc.nat(60),
          missing: fc.integer({ min: 1, max: 500 }),
          ending: fc.constantFrom('end', 'destroy', 'linger'),
        })
        .map(({ path, sent, missing, ending }) => {
          const json = '{"customerUserID":"raw-truncated","fullName":"Raw Truncated","phone":"+62 812 9999 0001"}';
          const part = json.slice(0, sent);
          return {
            text: `POST ${path} HTTP/1.1\r\nHost: x\r\nAPI-Key: ${apiKey}\r\nContent-Type: application/json\r\nContent-Length: ${part.length + missing}\r\n\r\n${part}`,
            ending,
          };
        }),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({
          method: fc.constantFrom('POST', 'GET', 'FOO', 'CONNECT', 'OPTIONS'),
          path: fc.oneof(fc.constantFrom(SYNC_PATH, '/v1/client/project_configs', '/healthz', '*', 'http://x/healthz', '/conn\xe9ct', '/a b'), fc.webPath()),
          version: fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/1.2', 'HTTP/2.0', ''),
          headers: fc.array(
            fc.oneof(
              fc.constantFrom(
                'Host: x',
                `API-Key: ${apiKey}`,
                'Expect: 100-continue',
                'Expect: foo',
                'Bad Header: y',
                ' folded',
                'X-Nul: a\u0000b',
                'Transfer-Encoding: chunked',
                'Content-Length: 5',
                'Content-Length: -1',
                `X-Big: ${'a'.repeat(20_000)}`,
              ),
              latin1(40),
            ),
            { maxLength: 4 },
          ),
          body: fc.oneof(fc.constant('{"customerUserID":"raw","fullName":"Raw"}'), fc.string({ maxLength: 40 }), fc.constant('5\r\n{"a":\r\n0\r\n\r\n')),
          declared: fc.integer({ min: -20, max: 200 }),
          ending: fc.constantFrom('end', 'destroy', 'linger'),
          eol: fc.constantFrom('\r\n', '\n'),
        })
        .map((r) => {
          const length = r.headers.some((h) => /^content-length/i.test(h)) ? [] : [`Content-Length: ${Math.max(0, r.body.length + r.declared)}`];
          const lines = [`${r.method} ${r.path} ${r.version}`.trimEnd(), ...r.headers, ...length];
          return { text: `${lines.join(r.eol)}${r.eol}${r.eol}${r.body}`, ending: r.ending };
        }),
    },
  );

export async function rawFuzz(base: URL, count: number, apiKey: string, seed?: number): Promise<Array<{ request: string; responses: RawResponse[] }>> {
  const samples = fc.sample(rawRequest(apiKey), seed === undefined ? count : { numRuns: count, seed });
  const results: Array<{ request: string; responses: RawResponse[] }> = [];
  for (let i = 0; i < samples.length; i += 16) {
    const chunk = samples.slice(i, i + 16);
    results.push(
      ...(await Promise.all(
        chunk.map(
          ({ text, ending }) =>
            new Promise<{ request: string; responses: RawResponse[] }>((resolve) => {
              const socket = net.connect(Number(base.port), base.hostname);
              const chunks: Buffer[] = [];
              const done = () => resolve({ request: text, responses: parseResponses(Buffer.concat(chunks)) });
              socket.setTimeout(2000, () => socket.destroy());
              socket.on('data', (d: Buffer) => chunks.push(d));
              socket.on('error', () => {});
              socket.on('close', done);
              socket.write(Buffer.from(text, 'latin1'));
              if (ending === 'end') socket.end();
              else if (ending === 'destroy') setTimeout(() => socket.destroy(), 5);
              else setTimeout(() => socket.end(), 50);
            }),
        ),
      )),
    );
  }
  return results;
}
