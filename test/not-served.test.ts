// A client path Parley does not serve answers HTTP 200 with 404 / 40400 in the envelope: TapTalk's
// SDKs act only on HTTP 200 (any other status leaves the app without a callback), so this is what
// makes the SDK call onError. Every other unknown path keeps its HTTP 404.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestApp, createTestApp } from './support/app.ts';
import { eachDialect } from './support/databases.ts';

const NOT_FOUND = { status: 404, error: { code: '40400', message: 'Route not found', field: '' }, data: {} };

await eachDialect(describe, 'paths Parley does not serve', (dialect) => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp(dialect);
  });
  after(() => t.close());

  it('under the client realms: HTTP 200, envelope 404 / 40400, with or without credentials', async () => {
    for (const [method, url] of [
      ['POST', '/v1/client/user/delete_account/check_state'],
      ['POST', '/v1/client/login/request_otp/v1_6'],
      ['POST', '/v1/chat/message/not_a_path'],
      ['POST', '/v1/auth/not_a_path'],
      ['POST', '/api/visitor/v1/client/scf/get_list'],
      // A served path with a method it does not take.
      ['GET', '/v1/client/contact/list'],
      ['POST', '/v1/client/contact/list/extra'],
    ] as const) {
      for (const headers of [{}, { 'app-key': t.project.appKey.header, authorization: 'Bearer x' }]) {
        const res = await t.app.inject({
          method,
          url,
          headers: { 'content-type': 'application/json', ...headers },
          payload: method === 'POST' ? '{}' : undefined,
        });
        assert.equal(res.statusCode, 200, `${method} ${url}`);
        assert.deepEqual(res.json(), NOT_FOUND, `${method} ${url}`);
      }
    }
  });

  it('anywhere else: HTTP 404 with the same envelope', async () => {
    for (const [method, url] of [
      ['POST', '/v1/nope'],
      ['POST', '/v1/clientele/x'],
      ['POST', '/v1/server/not_a_path'],
      ['GET', '/v1/server/auth_ticket/request'],
      ['POST', '/api/integration/v1/not_a_path'],
      ['POST', '/api/visitorx/v1/x'],
      ['GET', '/nothing'],
    ] as const) {
      const res = await t.app.inject({ method, url });
      assert.equal(res.statusCode, 404, `${method} ${url}`);
      assert.deepEqual(res.json(), NOT_FOUND, `${method} ${url}`);
    }
  });
});
