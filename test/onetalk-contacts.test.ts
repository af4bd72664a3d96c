import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createDecoder } from 'fast-jwt';
import { REQUEST_TICKET_RULES, SYNC_CONTACT_RULES } from '../src/api/onetalk/contact-rules.ts';
import { findContact, listContacts } from '../src/repos/contacts.ts';
import { findTicket } from '../src/repos/tickets.ts';
import { type TestApp, createTestApp, post } from './support/app.ts';
import { eachDialect } from './support/databases.ts';
import { ONETALK_SEED_REQUEST, UUID_V4 } from './support/fixtures.ts';

const SYNC = '/api/integration/v1/user/sync_contact';
const TICKET = '/api/integration/v1/user/request_auth_ticket';

const SEED_REQUEST = ONETALK_SEED_REQUEST;
const UUID = UUID_V4;
const decode = createDecoder();

/** What sync_contact answers (request_auth_ticket adds the ticket). */
interface Synced {
  success: boolean;
  message: string;
  userID: string;
}

await eachDialect(describe, 'OneTalk User/Contact API', (dialect) => {
  let t: TestApp;
  let headers: Record<string, string>;
  let n = 0;
  /** A fresh customer and phone per test, so tests do not see each other's contacts. */
  const fresh = () => {
    n++;
    return { ...SEED_REQUEST, customerUserID: `company:${dialect}:${n}`, phone: `62812000${String(n).padStart(5, '0')}` };
  };
  before(async () => {
    t = await createTestApp(dialect);
    headers = { 'api-key': t.project.apiKey };
  });
  after(() => t.close());

  describe('sync_contact', () => {
    it('creates, then updates, answering the seed shape', async () => {
      const created = await post<Synced>(t.app, SYNC, headers, SEED_REQUEST);
      assert.equal(created.status, 200);
      assert.deepEqual(created.body.error, { code: '', message: '', field: '' });
      assert.deepEqual(Object.keys(created.body.data), ['success', 'message', 'userID']);
      assert.equal(created.body.data.success, true);
      assert.equal(created.body.data.message, 'Contact created successfully');
      assert.match(created.body.data.userID, UUID);

      const updated = await post(t.app, SYNC, headers, { ...SEED_REQUEST, fullName: 'John Q. Doe' });
      assert.equal(updated.body.data.message, 'Contact updated successfully');
      assert.equal(updated.body.data.userID, created.body.data.userID);
      const contact = await findContact(t.deps.db, t.project.projectID, created.body.data.userID);
      assert.equal(contact?.fullName, 'John Q. Doe');
      assert.equal(contact?.alias, null, 'the empty alias is "not given"');
      assert.equal(contact?.phone, '6281234567890');
    });

    it('matches by phone alone and ties an untied contact to the customer user ID', async () => {
      const body = fresh();
      // A contact with a phone but no customer user ID (as created by another channel).
      const id = '11111111-1111-4111-8111-111111111111';
      await t.deps.db
        .insertInto('contacts')
        .values({
          id,
          project_id: t.project.projectID,
          customer_user_id: null,
          full_name: 'From WhatsApp',
          alias: null,
          email: null,
          phone: body.phone,
          photo_url: null,
          created_at: 1,
          updated_at: 1,
        })
        .execute();
      const res = await post(t.app, SYNC, headers, body);
      assert.equal(res.body.data.message, 'Contact updated successfully');
      assert.equal(res.body.data.userID, id);
      const contact = await findContact(t.deps.db, t.project.projectID, id);
      assert.equal(contact?.customerUserID, body.customerUserID);
      assert.equal(contact?.fullName, body.fullName);
    });

    it('rejects a phone match tied to a different customer user ID: 409 / 40902', async () => {
      const first = fresh();
      await post(t.app, SYNC, headers, first);
      const res = await post(t.app, SYNC, headers, { ...first, customerUserID: 'someone-else' });
      assert.equal(res.status, 409);
      assert.deepEqual(res.body, {
        status: 409,
        error: {
          code: '40902',
          message: 'The matching contact is already tied to a different customer user ID',
          field: 'customerUserID',
        },
        data: {},
      });
    });

    it('rejects keys that match two contacts: 409 / 40901', async () => {
      const a = fresh();
      const b = fresh();
      await post(t.app, SYNC, headers, a);
      await post(t.app, SYNC, headers, b);
      // a's customer user ID with b's phone: two different contacts match.
      const res = await post(t.app, SYNC, headers, { ...a, phone: b.phone });
      assert.equal(res.status, 409);
      assert.deepEqual(res.body.error, {
        code: '40901',
        message: 'More than one contact matches the sync keys (customerUserID, phone)',
        field: 'phone',
      });
    });

    it('treats differently written phones as one key', async () => {
      const body = { ...fresh(), phone: '+62 812-3456-0001' };
      const created = await post<Synced>(t.app, SYNC, headers, body);
      const again = await post(t.app, SYNC, headers, { ...body, customerUserID: body.customerUserID, phone: '6281234560001' });
      assert.equal(again.body.data.userID, created.body.data.userID);
      const contact = await findContact(t.deps.db, t.project.projectID, created.body.data.userID);
      assert.equal(contact?.phone, '6281234560001');
    });

    it('updates the phone of a contact found by customer user ID, keeps fields not given', async () => {
      const body = fresh();
      const created = await post<Synced>(t.app, SYNC, headers, body);
      const res = await post(t.app, SYNC, headers, { customerUserID: body.customerUserID, fullName: 'New Name', phone: '447911123456' });
      assert.equal(res.body.data.userID, created.body.data.userID);
      const contact = await findContact(t.deps.db, t.project.projectID, created.body.data.userID);
      assert.equal(contact?.phone, '447911123456');
      assert.equal(contact?.email, body.email);
      assert.equal(contact?.photoURL, body.photoURL);
    });

    it('1,000 parallel syncs over 20 overlapping keys create exactly 20 contacts', async () => {
      const project = await t.newProject();
      const key = { 'api-key': project.apiKey };
      const results = await Promise.all(
        Array.from({ length: 1000 }, (_, i) => {
          const k = i % 20;
          return post(t.app, SYNC, key, { customerUserID: `race-${k}`, fullName: `Racer ${i}`, phone: `4479000000${String(k).padStart(2, '0')}` });
        }),
      );
      for (const r of results) assert.equal(r.status, 200, JSON.stringify(r.body));
      const contacts = await listContacts(t.deps.db, project.projectID);
      assert.equal(contacts.length, 20);
      assert.equal(new Set(results.map((r) => r.body.data.userID)).size, 20);
      assert.equal(results.filter((r) => r.body.data.message === 'Contact created successfully').length, 20);
    });
  });

  describe('request_auth_ticket', () => {
    it('saves the contact and returns the seed shape with a Live Chat ticket for it', async () => {
      const body = fresh();
      const res = await post<Synced & { ticket: string }>(t.app, TICKET, headers, body);
      assert.equal(res.status, 200);
      assert.deepEqual(Object.keys(res.body.data), ['success', 'message', 'userID', 'ticket']);
      assert.equal(res.body.data.message, 'Contact created successfully');
      const claims = decode(res.body.data.ticket) as Record<string, unknown>;
      assert.equal(claims.pur, 'livechat_ticket');
      assert.equal(claims.sub, res.body.data.userID);
      assert.equal(claims.pid, t.project.projectID);
      assert.equal(claims.exp, (claims.iat as number) + 3600);
      assert.equal(await findTicket(t.deps.db, claims.jti as string), undefined, 'issuing a ticket writes nothing: it is recorded when redeemed');

      const again = await post(t.app, TICKET, headers, body);
      assert.equal(again.body.data.message, 'Contact updated successfully');
      assert.equal(again.body.data.userID, res.body.data.userID);
    });

    it('applies the same sync rules (40902 for a phone tied elsewhere)', async () => {
      const body = fresh();
      await post(t.app, SYNC, headers, body);
      const res = await post(t.app, TICKET, headers, { ...body, customerUserID: 'other' });
      assert.equal(res.status, 409);
      assert.equal(res.body.error.code, '40902');
    });
  });

  for (const [path, rules] of [
    [SYNC, SYNC_CONTACT_RULES],
    [TICKET, REQUEST_TICKET_RULES],
  ] as const) {
    describe(`${path} field rules`, () => {
      it('the seed example for a missing customerUserID, byte for byte', async () => {
        const { customerUserID: _, ...body } = SEED_REQUEST;
        const res = await post(t.app, path, headers, body);
        assert.equal(res.status, 400);
        assert.deepEqual(res.body, {
          status: 400,
          error: { code: '40002', message: 'Customer user ID is required', field: 'customerUserID' },
          data: {},
        });
      });
      for (const rule of rules) {
        it(`${rule.name}: at most ${rule.max} characters`, async () => {
          const res = await post(t.app, path, headers, { ...fresh(), [rule.name]: '9'.repeat(rule.max + 1) });
          assert.equal(res.status, 400);
          assert.deepEqual(res.body.error, {
            code: '40002',
            message: `${rule.label} must be between 1 and ${rule.max} characters`,
            field: rule.name,
          });
        });
        it(`${rule.name}: must be a string`, async () => {
          const res = await post(t.app, path, headers, { ...fresh(), [rule.name]: { nested: true } });
          assert.deepEqual(res.body.error, { code: '40002', message: `${rule.label} must be a string`, field: rule.name });
        });
        if (!rule.required) {
          it(`${rule.name}: optional`, async () => {
            const body: Record<string, unknown> = fresh();
            delete body[rule.name];
            if (rule.name === 'phone') delete body.phone;
            assert.equal((await post(t.app, path, headers, body)).status, 200);
          });
        } else {
          it(`${rule.name}: required`, async () => {
            const res = await post(t.app, path, headers, { ...fresh(), [rule.name]: '' });
            assert.deepEqual(res.body.error, { code: '40002', message: `${rule.label} is required`, field: rule.name });
          });
        }
      }
      it('phone must start with a country code', async () => {
        for (const phone of ['08991234567', '+999 1234567', 'abc', '12']) {
          const res = await post(t.app, path, headers, { ...fresh(), phone });
          assert.deepEqual(res.body.error, { code: '40002', message: 'Phone must start with a country code', field: 'phone' }, phone);
        }
      });
      it('email and photoURL formats', async () => {
        const email = await post(t.app, path, headers, { ...fresh(), email: 'john_doe' });
        assert.deepEqual(email.body.error, { code: '40002', message: 'Email must be a valid email address', field: 'email' });
        const photo = await post(t.app, path, headers, { ...fresh(), photoURL: 'javascript:alert(1)' });
        assert.deepEqual(photo.body.error, { code: '40002', message: 'Photo URL must be a valid http or https URL', field: 'photoURL' });
      });
    });
  }

  it('request_auth_ticket limits phone to 20 characters, sync_contact to 100', async () => {
    const twenty = '+44 (7911) 123-45600';
    assert.equal(twenty.length, 20);
    assert.equal((await post(t.app, TICKET, headers, { ...fresh(), phone: twenty })).status, 200);
    const res = await post(t.app, TICKET, headers, { ...fresh(), phone: '+44  (7911)  123-4561' });
    assert.equal(res.body.error.message, 'Phone must be between 1 and 20 characters');
    const spaced = '+44 - 7911 - 123 - 456 - 2';
    assert.ok(spaced.length > 20);
    const synced = await post<Synced>(t.app, SYNC, headers, { ...fresh(), phone: spaced });
    assert.equal(synced.status, 200);
    const contact = await findContact(t.deps.db, t.project.projectID, synced.body.data.userID);
    assert.equal(contact?.phone, '4479111234562');
  });

  describe('API-Key and tier', () => {
    for (const path of [SYNC, TICKET]) {
      it(`${path}: missing header → 400 / 40001 as the seed`, async () => {
        const res = await post(t.app, path, {}, SEED_REQUEST);
        assert.equal(res.status, 400);
        assert.deepEqual(res.body, {
          status: 400,
          error: { code: '40001', message: 'Request headers are required (API-Key)', field: '' },
          data: {},
        });
      });
      it(`${path}: project without a tier → 499 / 49900 as the seed`, async () => {
        const untiered = await t.newProject(null);
        const res = await post(t.app, path, { 'api-key': untiered.apiKey }, SEED_REQUEST);
        assert.equal(res.status, 499);
        assert.deepEqual(res.body, {
          status: 499,
          error: { code: '49900', message: 'Please select a tier', field: '' },
          data: {},
        });
        const { selectTier } = await import('../src/services/projects.ts');
        await selectTier(t.deps, untiered.projectID, 'pro');
        assert.equal((await post(t.app, path, { 'api-key': untiered.apiKey }, SEED_REQUEST)).status, 200);
      });
      it(`${path}: malformed → 49102, unknown or revoked or a server key → 49103`, async () => {
        const malformed = await post(t.app, path, { 'api-key': 'not-a-key' }, SEED_REQUEST);
        assert.equal(malformed.status, 491);
        assert.equal(malformed.body.error.code, '49102');
        const wrong = `${t.project.apiKey.split('.')[0]}.${'B'.repeat(43)}`;
        for (const key of [wrong, t.project.serverKey.header]) {
          const res = await post(t.app, path, { 'api-key': key }, SEED_REQUEST);
          assert.equal(res.status, 491);
          assert.ok(['49102', '49103'].includes(res.body.error.code));
        }
        const wrongRes = await post(t.app, path, { 'api-key': wrong }, SEED_REQUEST);
        assert.deepEqual(wrongRes.body.error, { code: '49103', message: 'Unknown or revoked key (API-Key)', field: '' });
      });
    }
    it('key checks come before the tier check and the body', async () => {
      const res = await post(t.app, SYNC, { 'api-key': 'x' }, '{broken');
      assert.equal(res.body.error.code, '49102');
    });
  });
});
