// The user objects clients receive. Every field present, never null: the SDKs dereference them freely.
import type { Contact } from '../repos/contacts.ts';
import type { UserRow } from '../storage/schema.ts';

/** PowerTalk user object (powertalk-client-protocol.md §3.6). */
export function toClientUser(u: UserRow) {
  return {
    userID: String(u.id),
    xcUserID: u.xc_user_id,
    fullname: u.fullname,
    email: u.email ?? '',
    phone: u.phone ?? '',
    username: u.username ?? '',
    imageURL: { thumbnail: u.photo_thumbnail_url ?? '', fullsize: u.photo_fullsize_url ?? '' },
    userRole: { code: u.user_role_code ?? '', name: u.user_role_code ?? '', iconURL: '' },
    phoneWithCode: u.phone ?? '',
    countryCallingCode: '',
    countryID: 0,
    bio: '',
    lastLogin: u.last_login_at ?? 0,
    lastActivity: u.last_login_at ?? 0,
    created: u.created_at,
    updated: u.updated_at,
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
