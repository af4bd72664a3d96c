// A text message as the web SDK builds it for chat/sendMessage (spec §8 step 8): every field the SDK
// sends, the content encrypted with the localID. The CLI's chat sends it; the tests and the bench send
// the same shape.
import { encryptContent } from './cipher.ts';

export function sdkTextMessage<User>(roomID: string, user: User, localID: string, text: string, now = Date.now()) {
  return {
    messageID: '0',
    localID,
    type: 1001,
    body: encryptContent(text, localID),
    data: '',
    filterID: '',
    isHidden: false,
    quote: { title: '', content: '', imageURL: '', fileID: '', fileType: '' },
    replyTo: { userID: '0', xcUserID: '', fullname: '', messageID: '0', localID: '', messageType: 0 },
    forwardFrom: { userID: '0', xcUserID: '', fullname: '', messageID: '0', localID: '' },
    room: { roomID, name: '', type: roomID.includes('-') ? 1 : 2, imageURL: { thumbnail: '', fullsize: '' }, color: '', xcRoomID: '' },
    user,
    recipientID: '0',
    action: '',
    target: { targetType: '', targetID: '0', targetXCID: '', targetName: '' },
    isSending: true,
    isDelivered: false,
    isRead: false,
    isDeleted: false,
    created: now,
    updated: now,
  };
}
