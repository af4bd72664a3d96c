// Connection caps (issue #9, defect 4) on a real listening server: per client address, with trusted
// proxies spared; and their configuration, derived from the open-file limit and refused when it
// promises more connections than there are descriptors.
import assert from 'node:assert/strict';
import { type Socket, connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { type TrustProxy, descriptorReserve, readOpenFileLimit } from '../src/config-parts.ts';
import { ConfigError, loadConfig } from '../src/config.ts';
import { addressKey } from '../src/http/connections.ts';
import { buildServer } from '../src/server.ts';
import { type TestApp, createTestApp } from './support/app.ts';

/** Opens `n` connections and reports, once each is settled, which the server closed at once. */
async function openMany(port: number, n: number): Promise<{ sockets: Socket[]; closed: () => number }> {
  let closed = 0;
  const sockets: Socket[] = [];
  for (let i = 0; i < n; i++) {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    socket.once('close', () => closed++);
    socket.resume();
    await new Promise((resolve) => socket.once('connect', resolve));
    sockets.push(socket);
  }
  // A request on each connection settles the question: an accepted one is answered, a refused one closed.
  await Promise.all(
    sockets.map(
      (s) =>
        new Promise<void>((resolve) => {
          if (s.destroyed) return resolve();
          s.once('data', () => resolve());
          s.once('close', () => resolve());
          s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
        }),
    ),
  );
  return { sockets, closed: () => closed };
}

describe('connections per address', () => {
  let t: TestApp;
  const apps: FastifyInstance[] = [];
  before(async () => {
    t = await createTestApp('sqlite');
  });
  after(async () => {
    for (const app of apps) await app.close();
    await t.close();
  });
  async function serve(trustProxy: TrustProxy): Promise<number> {
    const app = await buildServer(t.deps, { maxConnections: 100, maxConnectionsPerAddress: 3, trustProxy });
    apps.push(app);
    await app.listen({ port: 0, host: '127.0.0.1' });
    return (app.server.address() as { port: number }).port;
  }

  it('closes connections past the cap from one address at once, and counts them', async () => {
    const { sockets, closed } = await openMany(await serve(false), 5);
    assert.equal(closed(), 2);
    const metrics = await t.deps.metrics.registry.getSingleMetricAsString('parley_connections_refused_total');
    assert.match(metrics, /reason="address"} 2/);
    for (const s of sockets) s.destroy();
  });

  it('spares a trusted proxy, through which every client arrives', async () => {
    for (const trust of [1, ['127.0.0.1']]) {
      const { sockets, closed } = await openMany(await serve(trust), 5);
      assert.equal(closed(), 0, `trusting ${JSON.stringify(trust)}`);
      for (const s of sockets) s.destroy();
    }
  });

  it('caps a peer that is not one of the trusted proxies', async () => {
    const { sockets, closed } = await openMany(await serve(['10.0.0.1']), 5);
    assert.equal(closed(), 2);
    for (const s of sockets) s.destroy();
  });

  it('counts IPv6 clients by their /64 and IPv4-mapped ones as IPv4', () => {
    assert.equal(addressKey('2001:db8:1:2:aaaa::1'), addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'));
    assert.notEqual(addressKey('2001:db8:1:2::1'), addressKey('2001:db8:1:3::1'));
    assert.equal(addressKey('::ffff:10.0.0.1'), '10.0.0.1');
    assert.equal(addressKey('::1'), '0:0:0:0::/64');
  });
});

describe('connection configuration', () => {
  const openFiles = readOpenFileLimit();

  it('derives the total cap from the open-file limit and the per-address cap from the total', {
    skip: openFiles === undefined && 'no /proc/self/limits',
  }, () => {
    const config = loadConfig({});
    const limit = openFiles as number;
    assert.equal(config.maxConnections, limit - descriptorReserve(limit, config.pgPoolSize));
    assert.equal(config.maxConnectionsPerAddress, Math.min(256, Math.ceil(config.maxConnections / 4)));
    assert.equal(config.socketsPerUser, 20);
  });

  it('refuses more connections than descriptors, and bad caps, naming the variable', { skip: openFiles === undefined && 'no /proc/self/limits' }, () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (err) {
        assert.ok(err instanceof ConfigError);
        return err.problems;
      }
    };
    assert.match(problems({ PARLEY_MAX_CONNECTIONS: String(openFiles) }).join('\n'), /^PARLEY_MAX_CONNECTIONS: .*open-file limit/);
    assert.match(problems({ PARLEY_MAX_CONNECTIONS_PER_ADDRESS: '-1' }).join('\n'), /^PARLEY_MAX_CONNECTIONS_PER_ADDRESS:/);
    assert.match(problems({ PARLEY_SOCKET_EVENT_RATE: 'fast' }).join('\n'), /^PARLEY_SOCKET_EVENT_RATE:/);
    assert.deepEqual(problems({ PARLEY_MAX_CONNECTIONS: '100', PARLEY_MAX_CONNECTIONS_PER_ADDRESS: '0' }), []);
  });
});
