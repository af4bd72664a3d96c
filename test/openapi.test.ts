// /openapi.json documents every route the app serves, the envelope, and every error code.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { ERRORS } from '../src/errors.ts';
import { listRoutes } from '../src/server.ts';
import { type TestApp, createTestApp } from './support/app.ts';

let t: TestApp;
let doc: { openapi: string; paths: Record<string, Record<string, { summary?: string; responses?: Record<string, unknown> }>> };
before(async () => {
  t = await createTestApp('sqlite');
  const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
  assert.equal(res.statusCode, 200);
  doc = res.json();
});
after(() => t.close());

it('is an OpenAPI 3 document', () => {
  assert.match(doc.openapi, /^3\./);
});

/** A route's path as OpenAPI writes it (`:fileId` → `{fileId}`). */
const openApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');

it('lists every route with a summary and a 200 response', () => {
  const routes = listRoutes(t.app);
  assert.ok(routes.length >= 20, `found ${routes.length} routes`);
  for (const { method, url } of routes) {
    const op = doc.paths[openApiPath(url)]?.[method.toLowerCase()];
    assert.ok(op, `${method} ${url} is missing from /openapi.json`);
    assert.ok(op.summary && op.summary.length > 5, `${method} ${url} has no summary`);
    assert.ok(op.responses?.['200'], `${method} ${url} documents no 200 response`);
  }
});

it('describes the envelope and every error code', () => {
  const op = doc.paths['/v1/server/auth_ticket/request']?.post as Record<string, unknown>;
  const text = JSON.stringify(op);
  for (const key of ['"status"', '"error"', '"code"', '"message"', '"field"', '"data"', '"xcUserID"', '(105) XC user ID']) {
    assert.ok(text.includes(key), key);
  }
  const all = JSON.stringify(doc);
  for (const e of Object.values(ERRORS)) assert.ok(all.includes(`${e.code} (${e.status}) ${e.message}`), e.code);
});

it('documents the demo routes when the demo is on (and only then)', async () => {
  const demo = await createTestApp('sqlite', { PARLEY_DEMO: 'true' });
  try {
    const demoDoc = (await demo.app.inject({ method: 'GET', url: '/openapi.json' })).json() as typeof doc;
    for (const { method, url } of listRoutes(demo.app)) {
      const op = demoDoc.paths[openApiPath(url)]?.[method.toLowerCase()];
      assert.ok(op?.summary && op.responses?.['200'], `${method} ${url} is documented`);
    }
    const demoPaths = Object.keys(demoDoc.paths).filter((p) => p.startsWith('/demo'));
    assert.deepEqual(demoPaths.sort(), ['/demo', '/demo/livechat.js', '/demo/page.js', '/demo/sdk.js', '/demo/ticket', '/demo/users']);
    assert.deepEqual(
      Object.keys(doc.paths).filter((p) => p.startsWith('/demo')),
      [],
      'absent when the demo is off',
    );
  } finally {
    await demo.close();
  }
});
