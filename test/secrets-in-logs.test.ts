// Secrets never reach the logs: a full flow at trace level, then every secret it created is grepped for.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, it } from 'node:test';
import { loadConfig } from '../src/config.ts';
import { createDeps } from '../src/compose.ts';
import type { Deps } from '../src/deps.ts';
import { createLogger } from '../src/logging.ts';
import { buildServer } from '../src/server.ts';
import { type CreatedProject, createProject } from '../src/services/projects.ts';
import { type Ticketed, post } from './support/app.ts';
import { type TestDatabase, createTestDatabase } from './support/databases.ts';

let db: TestDatabase;
let deps: Deps;
let app: Awaited<ReturnType<typeof buildServer>>;
let project: CreatedProject;
const lines: string[] = [];

before(async () => {
  db = await createTestDatabase('sqlite');
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  deps = await createDeps(loadConfig({ PARLEY_DATABASE_URL: db.url }), { logger: createLogger('trace', sink) });
  app = await buildServer(deps);
  project = await createProject(deps, { name: 'logs', tier: 'free' });
});
after(async () => {
  await app.close();
  await deps.close();
  await db.drop();
});

it('logs requests with ids but no key, ticket or token', async () => {
  const secrets: string[] = [project.serverKey.secret, project.serverKey.header, project.apiKey, project.appKey.secret, project.appKey.header];
  const server = { 'server-key': project.serverKey.header };
  const pt = await post<Ticketed>(app, '/v1/server/auth_ticket/request', server, {
    userIPAddress: '1.1.1.1',
    userAgent: 'ua',
    userPlatform: 'web',
    userDeviceID: 'd',
    xcUserID: 'logged',
    fullName: 'Logged',
  });
  const ticket = pt.body.data.ticket;
  secrets.push(ticket);
  const lc = await post<Ticketed>(app, '/api/integration/v1/user/request_auth_ticket', { 'api-key': project.apiKey }, { customerUserID: 'c', fullName: 'C' });
  secrets.push(lc.body.data.ticket);
  const appKey = { 'app-key': project.appKey.header };
  const bundle = (await post(app, '/v1/auth/access_token/request', { ...appKey, authorization: `Bearer ${ticket}` }, '')).body.data;
  secrets.push(bundle.accessToken as string, bundle.refreshToken as string);
  const next = (await post(app, '/v1/auth/access_token/refresh', { ...appKey, authorization: `Bearer ${bundle.refreshToken}` }, '')).body.data;
  secrets.push(next.accessToken as string, next.refreshToken as string);
  // The socket URL carries credentials in its query string, as the SDK builds it.
  const query = `/connect?check=1&app_key=${encodeURIComponent(project.appKey.header)}&authorization=${encodeURIComponent(`Bearer ${next.accessToken}`)}`;
  await app.inject({ method: 'GET', url: query, headers: { ...appKey, authorization: `Bearer ${next.accessToken}` } });
  // A malformed percent-escape makes the framework refuse the URL, with the URL in its error message.
  // Sent over a real connection: an injected request's URL would be parsed (and mended) on the way in.
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  for (const path of [
    `/connect?check=1&authorization=Bearer%20${next.accessToken}&x=%zz`,
    `/v1/client/logout?app_key=${encodeURIComponent(project.appKey.header)}&bad=%E0%A4%A`,
    `/v1/client/logout%zz?access_token=${next.accessToken}`,
  ]) {
    await new Promise<void>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => res.resume().on('end', resolve))
        .on('error', reject)
        .end();
    });
  }
  // Query parameters of other names that carry credentials.
  for (const name of ['access_token', 'refresh_token', 'api_key', 'secret', 'ticket', 'token', 'X-Amz-Signature']) {
    await app.inject({ method: 'GET', url: `/v1/nowhere?${name}=${encodeURIComponent(next.refreshToken as string)}` });
  }
  // A push token is a device's credential: registered, and refused with its value in a bad field.
  const pushToken = `fcm:${'p'.repeat(60)}`;
  secrets.push(pushToken);
  const withToken = { ...appKey, authorization: `Bearer ${next.accessToken}` };
  await post(app, '/v1/client/push_notification/update', withToken, { fcmToken: pushToken });
  await post(app, '/v1/client/push_notification/update', withToken, { fcmToken: `${pushToken}\u0000` });
  await post(app, '/v1/client/push_notification/update', withToken, { apnToken: `${pushToken}${'q'.repeat(5000)}` });
  // Refusals and a reused refresh token log too.
  await post(app, '/v1/auth/access_token/refresh', { ...appKey, authorization: `Bearer ${bundle.refreshToken}` }, '');
  await post(app, '/v1/server/auth_ticket/request', { 'server-key': Buffer.from(`${project.serverKey.id}:wrong`).toString('base64') }, {});

  const log = lines.join('');
  assert.ok(lines.length > 10, 'the flow was logged');
  assert.match(log, /"reqId":"[0-9a-f-]{36}"/);
  assert.match(log, /authorization=\[redacted\]/);
  for (const secret of secrets) {
    assert.ok(secret.length > 20);
    assert.ok(!log.includes(secret), `a secret leaked into the logs: ${secret.slice(0, 12)}…`);
    // Also the secret part of id.secret pairs on its own.
    const tail = secret.includes('.') ? secret.split('.').at(-1) : undefined;
    if (tail !== undefined && tail.length > 20) assert.ok(!log.includes(tail));
  }
});

it('does not log health probes and metric scrapes, and logs the other requests', async () => {
  const before = lines.length;
  for (const url of ['/healthz', '/readyz', '/metrics', '/openapi.json']) {
    assert.equal((await app.inject({ method: 'GET', url })).statusCode, 200, url);
  }
  const log = lines.slice(before).join('');
  assert.match(log, /"url":"\/openapi\.json"/);
  for (const probe of ['/healthz', '/readyz', '/metrics']) assert.ok(!log.includes(`"url":"${probe}"`), `${probe} was logged`);
});
