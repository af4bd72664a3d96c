// The frames built with the message serialised once are exactly the frames built whole, and the
// extra fields' JSON made from the SDK's shared defaults is exactly JSON.stringify's.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import type { StoredMessage } from '../src/repos/messages.ts';
import { frozenJson } from '../src/chat/frozen-json.ts';
import { EXTRA_DEFAULTS, type SubObject, extraJson, readStoredExtra, sharedDefault } from '../src/chat/message-extra.ts';
import { readClientMessage } from '../src/chat/message-input.ts';
import { eventFrame, messageFrames, messageView, roomView } from '../src/chat/views.ts';
import { toClientUser } from '../src/services/user-view.ts';

const user = (id: number, name: string) =>
  toClientUser({
    id,
    projectId: 'p',
    xcUserID: `xc${id}`,
    fullname: name,
    email: null,
    phone: null,
    username: null,
    photoThumbnailURL: null,
    photoFullsizeURL: null,
    userRoleCode: null,
    bio: null,
    lastLoginAt: null,
    createdAt: 1,
    updatedAt: 2,
  });

it('messageFrames matches eventFrame(messageView) for every viewer, whatever the content', () => {
  const room = {
    projectId: 'p',
    id: '1-2',
    type: 1,
    name: '',
    xcRoomID: '',
    imageThumbnail: '',
    imageFullsize: '',
    color: '',
    isDeleted: false,
    deletedAt: 0,
    isLocked: false,
    lockedAt: 0,
    seq: 3,
    createdAt: 1,
    updatedAt: 1,
  };
  // Each sub-object the SDK's shared default (serialised once) or anything else, every field varied.
  const sub = (field: SubObject) => fc.oneof(fc.constant(EXTRA_DEFAULTS[field]), fc.dictionary(fc.string(), fc.jsonValue()));
  const texts = fc.tuple(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), fc.string(), fc.string(), fc.string(), fc.string());
  const flags = fc.tuple(fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean());
  const numbers = fc.tuple(fc.integer({ min: 1, max: 2 ** 53 - 1 }), fc.integer({ min: 0, max: 999_999 }), fc.nat(), fc.nat(), fc.nat());
  fc.assert(
    fc.property(texts, flags, numbers, fc.tuple(sub('quote'), sub('replyTo'), sub('forwardFrom'), sub('target')), (t, f, n, subs) => {
      const [body, data, localID, filterID, recipientID, action] = t;
      const [quote, replyTo, forwardFrom, target] = subs;
      const m: StoredMessage = {
        id: n[0],
        projectId: 'p',
        roomId: '1-2',
        senderId: 1,
        localID,
        type: n[1],
        body,
        data,
        extra: { filterID, quote, replyTo, forwardFrom, target, recipientID, action },
        isHidden: f[0],
        isDelivered: f[1],
        isRead: f[2],
        isDeleted: f[3],
        isEdited: f[4],
        created: n[2],
        updated: n[3],
        deleted: n[4],
      };
      const sender = user(1, 'Alice');
      const views = [roomView(room, user(2, 'Bob')), roomView(room, sender)];
      const frames = messageFrames(
        'chat/sendMessage',
        m,
        sender,
        views.map((v) => ({ text: frozenJson(v), bytes: Buffer.from(frozenJson(v)) })),
      );
      for (const [i, v] of views.entries()) {
        const whole = eventFrame('chat/sendMessage', messageView(m, v, sender));
        assert.equal(frames[i]?.text, whole);
        assert.deepEqual(frames[i]?.bytes, Buffer.from(whole));
      }
    }),
  );
});

it('a sub-object sent as exactly the default is the shared default; anything else is kept as sent', () => {
  const limits = { content: 4000 };
  const read = (fields: Record<string, unknown>) => readClientMessage({ room: { roomID: '1-2' }, localID: 'a', type: 1001, ...fields }, limits).extra;
  // Absent, or the SDK's default with its fields in any order: the one shared, frozen object.
  assert.equal(read({}).quote, EXTRA_DEFAULTS.quote);
  const reordered = { messageType: 0, localID: '', messageID: '0', fullname: '', xcUserID: '', userID: '0' };
  assert.equal(read({ replyTo: reordered }).replyTo, EXTRA_DEFAULTS.replyTo);
  assert.ok(Object.isFrozen(EXTRA_DEFAULTS.replyTo));
  // One value off, a field missing or one more: a copy of the default overlaid with what was sent.
  const cases: Array<[SubObject, Record<string, unknown>]> = [
    ['quote', { ...EXTRA_DEFAULTS.quote, title: 'x' }],
    ['replyTo', { ...EXTRA_DEFAULTS.replyTo, messageType: '0' }],
    ['forwardFrom', { userID: '0' }],
    ['target', { ...EXTRA_DEFAULTS.target, more: '' }],
  ];
  for (const [field, sent] of cases) {
    const kept = read({ [field]: sent })[field];
    assert.notEqual(kept, EXTRA_DEFAULTS[field]);
    assert.deepEqual(kept, { ...EXTRA_DEFAULTS[field], ...sent });
    assert.equal(sharedDefault(field, sent), undefined);
  }
  // A field inherited rather than sent does not count ("__proto__" from JSON is an own field).
  assert.equal(sharedDefault('quote', JSON.parse('{"title":"","content":"","imageURL":"","fileID":"","__proto__":""}')), undefined);
});

it('extraJson is JSON.stringify of the extra fields, and a stored row reads back to the shared defaults', () => {
  const sub = (field: SubObject) => fc.oneof(fc.constant(EXTRA_DEFAULTS[field]), fc.dictionary(fc.string(), fc.jsonValue()));
  fc.assert(
    fc.property(
      fc.string({ unit: 'binary' }),
      fc.string(),
      fc.string(),
      fc.tuple(sub('quote'), sub('replyTo'), sub('forwardFrom'), sub('target')),
      (filterID, recipientID, action, subs) => {
        const [quote, replyTo, forwardFrom, target] = subs;
        const extra = { filterID, quote, replyTo, forwardFrom, target, recipientID, action };
        assert.equal(extraJson(extra), JSON.stringify(extra));
      },
    ),
  );
  // The SDK's usual message, all four the shared defaults, with strings that need escaping around them.
  const usual = { ...readStoredExtra('{}'), filterID: 'a"\\b', recipientID: '\u2028', action: '\n' };
  assert.equal(extraJson(usual), JSON.stringify(usual));
  const stored = readStoredExtra(JSON.stringify({ ...readStoredExtra('{}'), quote: { ...EXTRA_DEFAULTS.quote, title: 't' } }));
  assert.equal(stored.replyTo, EXTRA_DEFAULTS.replyTo);
  assert.equal(stored.target, EXTRA_DEFAULTS.target);
  assert.deepEqual(stored.quote, { ...EXTRA_DEFAULTS.quote, title: 't' });
  assert.equal(readStoredExtra('not json').forwardFrom, EXTRA_DEFAULTS.forwardFrom);
});
