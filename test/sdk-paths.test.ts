// Every path TapTalk's official web SDK (the installed package, read as text) can call is routed by
// Parley and documented in /openapi.json: a path the SDK calls and Parley lacks leaves the app
// without a callback (or, since the not-served rule, with a 40400 onError).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { listRoutes } from '../src/server.ts';
import { type TestApp, createTestApp } from './support/app.ts';

const SDK = fileURLToPath(new URL('../node_modules/@taptalk.io/web-sdk/index.js', import.meta.url));

/** The REST paths the SDK builds from its base URL (`${baseApiUrl}/…`), query strings cut off. */
function sdkRestPaths(): string[] {
  const source = readFileSync(SDK, 'utf8');
  const paths = [...source.matchAll(/\$\{baseApiUrl\}(\/[^`?'"\s]*)/g)].map((m) => m[1] as string);
  return [...new Set(paths)].sort();
}

let t: TestApp;
let documented: Record<string, Record<string, unknown>>;
before(async () => {
  t = await createTestApp('sqlite');
  documented = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json().paths;
});
after(() => t.close());

it('reads the paths out of the installed SDK: 69 REST paths and the /connect check', () => {
  const paths = sdkRestPaths();
  assert.equal(paths.length, 70, paths.join('\n'));
  assert.ok(paths.includes('/connect'), 'the socket check (`/connect?check=1`)');
  // The socket itself is opened on the same /connect (ws:// or wss:// in place of the scheme).
  assert.match(readFileSync(SDK, 'utf8'), /\/connect\?\$\{generateHeaderQuerystring\(\)\}/);
});

it('routes every path the SDK calls (POST; GET for /connect), and documents it', () => {
  const served = new Set(listRoutes(t.app).map((r) => `${r.method} ${r.url}`));
  const missing = sdkRestPaths().filter((path) => !served.has(`${path === '/connect' ? 'GET' : 'POST'} ${path}`));
  assert.deepEqual(missing, [], 'SDK paths Parley does not route');
  const undocumented = sdkRestPaths().filter((path) => path in documented === false);
  assert.deepEqual(undocumented, [], 'SDK paths missing from /openapi.json');
});
