// The company's backend reads a contact's Live Chat cases: POST /api/integration/v1/case/get_list, a
// Parley addition to OneTalk's integration API (issue #13). The contact is named by exactly one of
// customerUserID, phone or userID; the answer is the visitor API's case shape, newest first.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Topic } from '../src/repos/livechat.ts';
import { createTopic } from '../src/services/livechat-setup.ts';
import { type Envelope, type TestApp, createTestApp, post } from './support/app.ts';
import { eachDialect } from './support/databases.ts';
import { type CaseData, type Visitor, signInVisitor, visitorCall } from './support/livechat.ts';

const LIST = '/api/integration/v1/case/get_list';

await eachDialect(describe, 'OneTalk integration API: case/get_list', (dialect) => {
  let t: TestApp;
  let topic: Topic;
  let visitor: Visitor;
  const customerUserID = `company:cases:${dialect}`;
  const ids: number[] = [];
  const list = async (body: unknown, apiKey = t.project.apiKey) => {
    const res = await post<{ cases: CaseData[] }>(t.app, LIST, { 'api-key': apiKey }, body);
    assert.equal(res.status, res.body.status, 'HTTP status = envelope status, as on the whole realm');
    return res.body;
  };
  const refused = (res: Envelope, status: number, code: string, field: string) => {
    assert.deepEqual([res.status, res.error.code, res.error.field, res.data], [status, code, field, {}], JSON.stringify(res));
  };

  before(async () => {
    t = await createTestApp(dialect);
    topic = await createTopic(t.deps, t.project.projectID, 'Orders');
    visitor = await signInVisitor(t, 'Carla', { customerUserID, phone: '6281299990000' });
    for (const message of ['First', 'Second', 'Third']) {
      const opened = await visitorCall<{ case: CaseData }>(t, visitor, 'client/case/create', { topicID: topic.id, message });
      ids.push(opened.data.case.id);
    }
    assert.equal((await visitorCall(t, visitor, 'client/case/close', { id: ids[0] })).status, 200);
  });
  after(() => t.close());

  it('names the contact by customerUserID, phone or userID: its cases, newest first, as the visitor sees them', async () => {
    const newestFirst = [...ids].reverse();
    const byCustomer = await list({ customerUserID });
    assert.equal(byCustomer.status, 200, JSON.stringify(byCustomer.error));
    assert.deepEqual(
      byCustomer.data.cases.map((c) => c.id),
      newestFirst,
    );
    const mine = await visitorCall<{ cases: CaseData[] }>(t, visitor, 'client/case/get_list', {});
    assert.deepEqual(byCustomer.data.cases, mine.data.cases, 'the visitor API’s case objects, field for field');
    const [third] = byCustomer.data.cases;
    assert.deepEqual(
      [third?.userID, third?.firstMessage, third?.topicName, third?.tapTalkXCRoomID, third?.isClosed],
      [visitor.contactID, 'Third', 'Orders', `case:${ids[2]}`, false],
    );
    assert.equal(byCustomer.data.cases.at(-1)?.isClosed, true);
    // A phone in any usual writing is the same phone.
    assert.deepEqual((await list({ phone: '+62 812-9999-0000' })).data.cases, byCustomer.data.cases);
    assert.deepEqual((await list({ userID: visitor.contactID })).data.cases, byCustomer.data.cases);
  });

  it('status filters open or closed cases', async () => {
    assert.deepEqual(
      (await list({ customerUserID, status: 'open' })).data.cases.map((c) => c.id),
      [ids[2], ids[1]],
    );
    assert.deepEqual(
      (await list({ userID: visitor.contactID, status: 'closed' })).data.cases.map((c) => c.id),
      [ids[0]],
    );
    refused(await list({ customerUserID, status: 'pending' }), 400, '40002', 'status');
  });

  it('a contact without cases has an empty list; an unknown contact is 404 naming the field', async () => {
    const quiet = await signInVisitor(t, 'Quiet');
    assert.deepEqual((await list({ userID: quiet.contactID })).data, { cases: [] });
    refused(await list({ customerUserID: 'company:nobody' }), 404, '40401', 'customerUserID');
    refused(await list({ phone: '6281200000000' }), 404, '40401', 'phone');
    refused(await list({ userID: '00000000-0000-4000-8000-000000000000' }), 404, '40401', 'userID');
  });

  it('another project’s key does not see this project’s contact', async () => {
    const other = await t.newProject();
    refused(await list({ customerUserID }, other.apiKey), 404, '40401', 'customerUserID');
    refused(await list({ userID: visitor.contactID }, other.apiKey), 404, '40401', 'userID');
  });

  it('refusals: no key, none or two selectors, malformed fields', async () => {
    const noKey = await post(t.app, LIST, {}, { customerUserID });
    assert.deepEqual([noKey.status, noKey.body.error.code, noKey.body.error.message], [400, '40001', 'Request headers are required (API-Key)']);
    const wrongKey = await post(t.app, LIST, { 'api-key': `${t.project.apiKey}x` }, { customerUserID });
    assert.deepEqual([wrongKey.status, wrongKey.body.error.code], [491, '49103']);
    refused(await list({}), 400, '40002', 'customerUserID');
    refused(await list({ status: 'open' }), 400, '40002', 'customerUserID');
    refused(await list({ customerUserID, phone: '6281299990000' }), 400, '40002', 'phone');
    refused(await list({ customerUserID, userID: visitor.contactID }), 400, '40002', 'userID');
    refused(await list({ phone: '12' }), 400, '40002', 'phone');
    refused(await list({ customerUserID: 42 }), 400, '40002', 'customerUserID');
    refused(await list({ userID: 'x'.repeat(101) }), 400, '40002', 'userID');
    refused(await list('[1]'), 400, '40002', '');
  });
});
