// The seeds' request examples, verbatim: every suite that needs a valid body starts from these.

/** Seed 001 (PowerTalk `auth_ticket/request`) request example. */
export const POWERTALK_SEED_REQUEST = {
  userIPAddress: '182.253.177.234',
  userAgent: 'AdvancedRestClient/12.1.14',
  userPlatform: 'android',
  userDeviceID: 'aaaa-bbbb-cccc-dddd',
  xcUserID: '6',
  fullName: 'Jony',
  email: 'jony@email.com',
  phone: '08991234567',
  username: 'jony',
  photoThumbnailURL: 'http://www.example.com/photo/thumb/6.jpg',
  photoFullsizeURL: 'http://www.example.com/photo/full/6.jpg',
  userRoleCode: 'user',
};

/** Seed 000 (OneTalk `request_auth_ticket` and `sync_contact`) request example. */
export const ONETALK_SEED_REQUEST = {
  customerUserID: 'company:123',
  fullName: 'John Doe',
  alias: '',
  email: 'john_doe@example.com',
  phone: '6281234567890',
  photoURL: 'http://www.example.com/photo/john_doe.jpg',
};

export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
