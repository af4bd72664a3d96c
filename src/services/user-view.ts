// The user objects clients receive. Every field present, never null: the SDKs dereference them freely.
import type { Contact } from '../repos/contacts.ts';
import type { User } from '../repos/users.ts';

/** PowerTalk user object (powertalk-client-protocol.md §3.6). */
export function toClientUser(u: User) {
  return {
    userID: String(u.id),
    xcUserID: u.xcUserID,
    fullname: u.fullname,
    email: u.email ?? '',
    phone: u.phone ?? '',
    username: u.username ?? '',
    imageURL: { thumbnail: u.photoThumbnailURL ?? '', fullsize: u.photoFullsizeURL ?? '' },
    userRole: { code: u.userRoleCode ?? '', name: u.userRoleCode ?? '', iconURL: '' },
    phoneWithCode: u.phone ?? '',
    countryCallingCode: '',
    countryID: 0,
    bio: u.bio ?? '',
    lastLogin: u.lastLoginAt ?? 0,
    lastActivity: u.lastLoginAt ?? 0,
    created: u.createdAt,
    updated: u.updatedAt,
    deleted: 0,
    isOnline: false,
    isRequestPending: false,
    isRequestAccepted: true,
    isEmailVerified: false,
    isPhoneVerified: false,
    requireChangePassword: false,
  };
}

export type ClientUser = ReturnType<typeof toClientUser>;

/** A user who no longer exists, as they still appear on old messages. */
export function unknownUser(id: number, projectId: string): ClientUser {
  return toClientUser({
    id,
    projectId,
    xcUserID: '',
    fullname: '',
    email: null,
    phone: null,
    username: null,
    photoThumbnailURL: null,
    photoFullsizeURL: null,
    userRoleCode: null,
    bio: null,
    lastLoginAt: null,
    createdAt: 0,
    updatedAt: 0,
  });
}

/** OneTalk Live Chat user object (onetalk-protocol.md §2.4). */
export function toLiveChatUser(c: Contact) {
  return {
    userID: c.id,
    fullName: c.fullName,
    alias: c.alias ?? '',
    source: 'integration_api',
    customerUserID: c.customerUserID ?? '',
    whatsappUserID: '',
    telegramUserID: '',
    lineUserID: '',
    twitterUserID: '',
    facebookPSID: '',
    email: c.email ?? '',
    isEmailVerified: false,
    phone: c.phone ?? '',
    isPhoneVerified: false,
    photoURL: c.photoURL ?? '',
    mergedToUserID: '',
    mergedTime: 0,
    createdTime: c.createdAt,
    updatedTime: c.updatedAt,
    deletedTime: 0,
  };
}
