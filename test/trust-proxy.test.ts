// PARLEY_TRUST_PROXY: a hop count or a list of proxies, one rule for REST (request.ip) and for socket
// upgrades. Here this machine (127.0.0.1) plays the one trusted proxy: it appends the address it
// received from to X-Forwarded-For, after whatever the client wrote there itself.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.ts';
import { type TestApp, createTestApp } from './support/app.ts';
import { type ChatUser, listen, loginUser } from './support/chat.ts';
import { eachDialect } from './support/databases.ts';
import { callFrom, closeSources, socketFrom, source } from './support/sources.ts';

const LIMIT = 5;
const proxy = source('127.0.0.1');
const garbage = () => `Bearer ${randomBytes(16).toString('hex')}`;
/** What the proxy forwards for a client at `client` that wrote `spoofed` itself. */
const forwarded = (client: string, spoofed?: string) => ({ 'x-forwarded-for': spoofed === undefined ? client : `${spoofed}, ${client}` });

describe('PARLEY_TRUST_PROXY', () => {
  const trustOf = (value: string) => loadConfig({ PARLEY_TRUST_PROXY: value }).trustProxy;

  it('takes false, a hop count or a list of addresses and ranges', () => {
    assert.equal(loadConfig({}).trustProxy, false);
    assert.equal(trustOf('false'), false);
    assert.equal(trustOf('2'), 2);
    assert.deepEqual(trustOf('10.0.0.0/8, 192.168.1.7,loopback'), ['10.0.0.0/8', '192.168.1.7', 'loopback']);
  });

  it('refuses true (every hop trusted) and anything that is not an address, naming the variable', () => {
    for (const value of ['true', '10.0.0.0/99', 'proxy.example.com', '11']) {
      assert.throws(
        () => loadConfig({ PARLEY_TRUST_PROXY: value }),
        (err: unknown) => err instanceof ConfigError && err.problems.length === 1 && err.problems[0]?.startsWith('PARLEY_TRUST_PROXY: ') === true,
        value,
      );
    }
  });
});

await eachDialect(describe, 'behind one trusted proxy', (dialect) => {
  let t: TestApp;
  let base: string;
  let user: ChatUser;
  const appKey = () => t.project.appKey.header;

  before(async () => {
    t = await createTestApp(dialect, { PARLEY_TRUST_PROXY: '1', PARLEY_AUTH_FAILURES_PER_ADDRESS: String(LIMIT), PARLEY_AUTH_FAILURES_PER_KEY: '1000' });
    base = await listen(t);
    user = await loginUser(t, 'Proxied');
  });
  after(async () => {
    closeSources([proxy]);
    await t.close();
  });

  it('a client writing its own X-Forwarded-For cannot escape its per-address limit', async () => {
    const client = '203.0.113.7';
    const codes: string[] = [];
    for (let i = 0; i < LIMIT + 3; i++) {
      const spoofed = `198.18.${i}.${i + 1}`;
      const headers = { 'app-key': appKey(), authorization: garbage(), ...forwarded(client, spoofed) };
      codes.push((await callFrom(proxy, base, '/v1/client/user/get_by_id', headers, '{"id":"1"}')).body.error.code);
    }
    assert.deepEqual(codes, [...Array(LIMIT).fill('40103'), '42900', '42900', '42900']);
    // Another client behind the same proxy is its own source: its first failure is a plain 401.
    const neighbour = await callFrom(
      proxy,
      base,
      '/v1/client/user/get_by_id',
      { 'app-key': appKey(), authorization: garbage(), ...forwarded('203.0.113.8') },
      '{"id":"1"}',
    );
    assert.equal(neighbour.body.error.code, '40103');
  });

  it("one client's failed socket upgrades do not block another client's, and count with its REST failures", async () => {
    const noisy = '198.51.100.1';
    const quiet = '198.51.100.2';
    // Failures on REST and on the socket count against the same address: three and two reach the limit.
    for (let i = 0; i < 3; i++) {
      const res = await callFrom(
        proxy,
        base,
        '/v1/client/user/get_by_id',
        { 'app-key': appKey(), authorization: garbage(), ...forwarded(noisy) },
        '{"id":"1"}',
      );
      assert.equal(res.body.error.code, '40103');
    }
    for (let i = 0; i < LIMIT - 3; i++) {
      const res = await socketFrom(proxy, base, appKey(), randomBytes(16).toString('hex'), forwarded(noisy));
      assert.ok(!('socket' in res) && res.status === 401, JSON.stringify(res));
    }
    const blocked = await socketFrom(proxy, base, appKey(), randomBytes(16).toString('hex'), forwarded(noisy, '198.18.0.1'));
    assert.ok(!('socket' in blocked) && blocked.status === 429 && blocked.body.error.code === '42900', JSON.stringify(blocked));

    const refusedOnce = await socketFrom(proxy, base, appKey(), randomBytes(16).toString('hex'), forwarded(quiet));
    assert.ok(!('socket' in refusedOnce) && refusedOnce.status === 401, `the quiet client was blocked: ${JSON.stringify(refusedOnce)}`);
    for (const client of [quiet, noisy]) {
      const opened = await socketFrom(proxy, base, appKey(), user.accessToken, forwarded(client));
      assert.ok('socket' in opened, `${client}: ${JSON.stringify(opened)}`);
      await opened.socket.close();
    }
  });
});
