// The envelope holds for everything that is not a successful call: unknown routes, bad bodies, odd headers.
import assert from 'node:assert/strict';
import { type AddressInfo, connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type TestApp, createTestApp, post } from './support/app.ts';
import { eachDialect } from './support/databases.ts';

const URL = '/api/integration/v1/user/sync_contact';

function isEnvelope(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as Record<string, unknown>;
  const e = b.error as Record<string, unknown> | undefined;
  return (
    typeof b.status === 'number' &&
    typeof e === 'object' &&
    typeof e.code === 'string' &&
    typeof e.message === 'string' &&
    typeof e.field === 'string' &&
    typeof b.data === 'object'
  );
}

await eachDialect(describe, 'HTTP envelope and transport', (dialect) => {
  let t: TestApp;
  let headers: Record<string, string>;
  before(async () => {
    t = await createTestApp(dialect);
    headers = { 'api-key': t.project.apiKey };
  });
  after(() => t.close());

  it('unknown paths and methods get 404 / 40400 in the envelope', async () => {
    for (const [method, url] of [
      ['POST', '/v1/nope'],
      ['GET', '/v1/server/auth_ticket/request'],
      ['DELETE', URL],
    ] as const) {
      const res = await t.app.inject({ method, url });
      assert.equal(res.statusCode, 404);
      assert.deepEqual(res.json(), { status: 404, error: { code: '40400', message: 'Route not found', field: '' }, data: {} });
    }
  });

  it('parses JSON whatever the Content-Type, or without one', async () => {
    const body = JSON.stringify({ customerUserID: `ct-${dialect}`, fullName: 'Content Type' });
    for (const type of ['text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'application/octet-stream', undefined]) {
      const res = await t.app.inject({
        method: 'POST',
        url: URL,
        headers: type === undefined ? headers : { ...headers, 'content-type': type },
        payload: body,
      });
      assert.equal(res.statusCode, 200, String(type));
    }
  });

  it('a body over 64 KiB gets 413 / 41300', async () => {
    const res = await post(t.app, URL, headers, { customerUserID: 'big', fullName: 'x'.repeat(70_000) });
    assert.equal(res.status, 413);
    assert.deepEqual(res.body.error, { code: '41300', message: 'Request body is too large', field: '' });
  });

  it('answers with a request id header, and echoes one given', async () => {
    const res = await t.app.inject({ method: 'POST', url: URL, headers: { ...headers, 'x-request-id': 'trace-123' }, payload: '{}' });
    assert.equal(res.headers['x-request-id'], 'trace-123');
    const other = await t.app.inject({ method: 'POST', url: URL, headers, payload: '{}' });
    assert.match(String(other.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  });

  it('odd inputs never produce a 5xx or a non-envelope body', async () => {
    const bodies = [
      '{"customerUserID": "__proto__", "fullName": "p", "__proto__": {"polluted": true}}',
      '{"constructor": {"prototype": {"x": 1}}, "customerUserID": "c", "fullName": "c"}',
      '{"customerUserID": "\\ud800", "fullName": "lone surrogate"}',
      `{"customerUserID": "deep", "fullName": ${'['.repeat(5000)}${']'.repeat(5000)}}`,
      '\u0000\u0001',
      '{"customerUserID": "dup", "customerUserID": "dup2", "fullName": "dup"}',
      '{"customerUserID": 1e400, "fullName": "inf"}',
      '{"customerUserID": "emoji 👩‍👩‍👧‍👦", "fullName": "😀", "alias": "\\u202e"}',
    ];
    for (const payload of bodies) {
      const res = await t.app.inject({ method: 'POST', url: URL, headers, payload });
      assert.ok(res.statusCode < 500, `${res.statusCode} for ${payload.slice(0, 40)}`);
      assert.ok(isEnvelope(res.json()), payload.slice(0, 40));
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
    for (const value of ['', ' ', 'Basic xyz', '\t', 'a'.repeat(600)]) {
      for (const header of ['api-key', 'server-key']) {
        const url = header === 'api-key' ? URL : '/v1/server/auth_ticket/request';
        const res = await t.app.inject({ method: 'POST', url, headers: { [header]: value }, payload: '{}' });
        assert.ok([400, 491].includes(res.statusCode), `${header}: "${value.slice(0, 10)}" → ${res.statusCode}`);
        assert.ok(isEnvelope(res.json()));
      }
    }
  });

  it('a NUL character in a field is refused with the field, on both databases', async () => {
    const res = await post(t.app, URL, headers, { customerUserID: 'nul\u0000byte', fullName: 'x' });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.error, {
      code: '40002',
      message: 'Customer user ID must not contain NUL characters or unpaired surrogates',
      field: 'customerUserID',
    });
    const pt = await post(
      t.app,
      '/v1/server/auth_ticket/request',
      { 'server-key': t.project.serverKey.header },
      { userIPAddress: '1.2.3.4', userAgent: 'a\u0000' },
    );
    assert.deepEqual(pt.body.error, { code: '40002', message: "Param 'userAgent' must not contain NUL characters or unpaired surrogates", field: '102' });
  });

  it('an unpaired surrogate is refused (PostgreSQL would merge distinct ids into one U+FFFD)', async () => {
    const res = await post(t.app, URL, headers, '{"customerUserID": "c-\\ud800", "fullName": "x"}');
    assert.equal(res.status, 400);
    assert.equal(res.body.error.field, 'customerUserID');
    const pair = await post(t.app, URL, headers, { customerUserID: `pair-${dialect}-😀`, fullName: 'x' });
    assert.equal(pair.status, 200, 'a proper surrogate pair (an emoji) is fine');
  });

  it('HTTP that Node rejects, slow bodies and odd Expect headers still get the envelope', async () => {
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.app.server.address() as AddressInfo;
    const raw = (text: string) =>
      new Promise<string>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => socket.write(text));
        let data = '';
        socket.on('data', (d) => {
          data += d;
        });
        socket.on('close', () => resolve(data));
        socket.on('error', () => resolve(data));
      });
    for (const request of [
      'GET / HTTP/1.2\r\nHost: x\r\n\r\n',
      'FOO /v1 HTTP/1.1\r\nHost: x\r\n\r\n',
      'POST /v1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n',
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      'POST /api/integration/v1/user/sync_contact HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nContent-Length: 2\r\n\r\n{}',
    ]) {
      const response = await raw(request);
      const [head, body] = response.split('\r\n\r\n');
      assert.match(head ?? '', /^HTTP\/1\.1 4\d\d /, request.slice(0, 30));
      const envelope = JSON.parse(body ?? '');
      assert.ok(isEnvelope(envelope), request.slice(0, 30));
      assert.match(envelope.error.code, /^4\d{4}$/);
    }
    const preflight = await t.app.inject({ method: 'OPTIONS', url: '/v1/client/project_configs' });
    assert.equal(preflight.statusCode, 204, 'a bare OPTIONS is answered like a preflight');
  });

  it('a repeated key header is refused as malformed', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: URL,
      headers: { 'api-key': [t.project.apiKey, t.project.apiKey] },
      payload: '{}',
    });
    assert.equal(res.statusCode, 491);
    assert.equal(res.json().error.code, '49102');
  });
});
