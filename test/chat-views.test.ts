// The frames built with the message serialised once are exactly the frames built whole.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import type { StoredMessage } from '../src/repos/messages.ts';
import { frozenJson } from '../src/chat/frozen-json.ts';
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
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), fc.string(), fc.dictionary(fc.string(), fc.jsonValue()), fc.boolean(), (body, localID, quote, read) => {
      const m: StoredMessage = {
        id: 7,
        projectId: 'p',
        roomId: '1-2',
        senderId: 1,
        localID,
        type: 1001,
        body,
        data: '',
        extra: { filterID: '', quote, replyTo: {}, forwardFrom: {}, target: {}, recipientID: '2', action: '' },
        isHidden: false,
        isDelivered: read,
        isRead: read,
        isDeleted: false,
        isEdited: false,
        created: 10,
        updated: 11,
        deleted: 0,
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
