// Secrets Parley must be able to read back (a webhook endpoint's signing secret) are kept encrypted
// (AES-256-GCM) under a key derived from the token signing secret, which never enters the database:
// a copy of the database alone reveals none of them. While the signing secret is being rotated, values
// sealed under an accepted older secret still open (docs/security.md).
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

export interface SecretBox {
  seal(plain: string): string;
  /** The plain text, or undefined when no known key opens it. */
  open(sealed: string): string | undefined;
}

const keyOf = (secret: string) => Buffer.from(hkdfSync('sha256', secret, 'parley', 'secret box v1', 32));

export function createSecretBox(secrets: { current: string; accepted: readonly string[] }): SecretBox {
  const keys = [secrets.current, ...secrets.accepted].map(keyOf);
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', keys[0] as Buffer, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
    },
    open(sealed) {
      if (!sealed.startsWith('v1.')) return undefined;
      const raw = Buffer.from(sealed.slice(3), 'base64url');
      for (const key of keys) {
        try {
          const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
          decipher.setAuthTag(raw.subarray(12, 28));
          return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
        } catch {
          // Sealed under another key: try the next.
        }
      }
      return undefined;
    },
  };
}
