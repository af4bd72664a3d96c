// TapTalk's cipher for a message's `body`, `data` and `quote.content` (client protocol §5.2-5.3).
// The key comes from a public constant and the message's localID: obfuscation, not secrecy. The
// server needs it only to write messages of its own and to read content (push text, webhooks).
import { createCipheriv, createDecipheriv, createHash, randomInt } from 'node:crypto';

// First 16 chars of the SDK's KEY_PASSWORD_ENCRYPTOR, the only part the key uses.
const PASSWORD_PREFIX = 'kHT0sVGIKKpnlJE5';
const ZERO_IV = Buffer.alloc(16);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})+$|^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)$/;
const LOCAL_ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_';

// A message's body, data and quote share one localID, so each key is derived once, not thrice.
const keys = new Map<string, Buffer>();
const MAX_KEYS = 1000;

/** SHA-256 of the prefix + localID[8..24) reversed (by UTF-16 code unit, as the SDK does). */
export function deriveKey(localID: string): Buffer {
  let key = keys.get(localID);
  if (!key) {
    const password = PASSWORD_PREFIX + localID.substring(8, 24).split('').reverse().join('');
    key = createHash('sha256').update(password, 'utf8').digest();
    if (keys.size >= MAX_KEYS) keys.clear();
    keys.set(localID, key);
  }
  return key;
}

/** Encrypts for the wire: digit r, then the AES Base64 with one salt char inserted at a position r decides. */
export function encryptContent(plaintext: string, localID: string, digit = randomInt(1, 10)): string {
  if (!localID) throw new RangeError('localID must not be empty');
  if (!Number.isInteger(digit) || digit < 1 || digit > 9) throw new RangeError('digit must be 1-9');
  const cipher = createCipheriv('aes-256-cbc', deriveKey(localID), ZERO_IV);
  const c = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
  const pos = ((c.length + digit) * digit) % c.length;
  // Decryption never checks the salt char; it only has to be there.
  const salt = localID[plaintext.length % localID.length];
  return `${digit}${c.slice(0, pos)}${salt}${c.slice(pos)}`;
}

/** The plaintext, or undefined for anything that is not a well-formed ciphertext under this localID. */
export function decryptContent(wire: string, localID: string): string | undefined {
  const digit = wire.charCodeAt(0) - 48;
  if (!(digit >= 1 && digit <= 9)) return undefined;
  const n = wire.length - 2;
  if (n <= 0) return undefined;
  const pos = ((n + digit) * digit) % n;
  const rest = wire.slice(1);
  const c = rest.slice(0, pos) + rest.slice(pos + 1);
  // Buffer.from(…, 'base64') skips junk silently; a strict check keeps garbage from decrypting.
  if (!BASE64.test(c)) return undefined;
  const bytes = Buffer.from(c, 'base64');
  if (bytes.length % 16 !== 0) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-cbc', deriveKey(localID), ZERO_IV);
    const plain = Buffer.concat([decipher.update(bytes), decipher.final()]);
    return new TextDecoder('utf-8', { fatal: true }).decode(plain);
  } catch {
    return undefined; // bad padding or bad UTF-8: wrong localID or a damaged value
  }
}

/** A fresh localID: 32 chars from [A-Za-z0-9_], like the SDK's guid(). */
export function newLocalId(): string {
  let id = '';
  for (let i = 0; i < 32; i++) id += LOCAL_ID_CHARS[randomInt(LOCAL_ID_CHARS.length)];
  return id;
}
