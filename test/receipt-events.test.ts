// A message change's event carries the message as stored after the change, not the copy read before
// it. Receipts read the message, then change it in a transaction: on PostgreSQL a "delivered" and a
// "read" for one message run at once, and the one committed last used to announce the flags it had
// read, so a "delivered" event after the "read" told the sender the message was unread again (the
// demo page's read mark that sometimes never came). Here the interleaving is made deterministic: the
// copy is read, the message is read by its recipient, then the older copy's change is stored.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findMessagesByIds } from '../src/repos/messages.ts';
import { storeChange } from '../src/services/message-changes.ts';
import { type TestApp, createTestApp } from './support/app.ts';
import { ChatSocket, clientCall, listen, loginUser, outgoingMessage, personalRoom, socketUrl } from './support/chat.ts';
import { eachDialect } from './support/databases.ts';

await eachDialect(describe, 'receipt events', (dialect) => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp(dialect);
  });
  after(() => t.close());

  it('a change stored from a stale copy announces the flags the row holds, not the stale ones', async () => {
    const base = await listen(t);
    const alice = await loginUser(t, 'Alice');
    const bob = await loginUser(t, 'Bob');
    const socket = await ChatSocket.open(socketUrl(base, t.project.appKey.header, alice.accessToken));
    const out = outgoingMessage(personalRoom(alice, bob), alice, 'read me');
    socket.emit('chat/sendMessage', out);
    const echo = await socket.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === out.localID, 5000);
    const id = Number(echo.data.messageID);

    const [stale] = await findMessagesByIds(t.deps.db, t.project.projectID, [id]);
    assert.ok(stale !== undefined && !stale.isRead);
    const read = await clientCall(t, bob, '/v1/chat/message/feedback/read', { messageIDs: [String(id)] });
    assert.equal(read.status, 200, JSON.stringify(read.error));

    const changed = await t.deps.db.transaction().execute((trx) => storeChange(trx, stale, { isDelivered: true }, t.clock.now()));
    assert.equal(changed.message.isDelivered, true);
    assert.equal(changed.message.isRead, true, 'the event says what is stored: read');
    assert.equal(changed.message.updated, changed.event.at);
    await socket.close();
  });
});
