// The token signer (src/tokens.ts) signs with node:crypto and verifies with fast-jwt: its tokens must be
// the standard compact JWS that fast-jwt's own signer makes, byte for byte, and accepted by any verifier
// holding the secret — and by no other.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSigner, createVerifier } from 'fast-jwt';
import { newSecret } from '../src/credentials.ts';
import { createTokenSigner } from '../src/tokens.ts';

const SECRET = 'ticket-secret-ünïcode-'.padEnd(48, 'x');

describe('token signer', () => {
  const signer = createTokenSigner({ current: SECRET, accepted: [] });

  it("signs exactly what fast-jwt's HS256 signer signs, for every kind of token", () => {
    const reference = createSigner({ key: SECRET, algorithm: 'HS256' });
    const now = 1_764_000_000_123;
    for (const input of [
      { pur: 'auth_ticket' as const, sub: '1234567', pid: 'prj_1', now, ttlSeconds: 3600 },
      { pur: 'access' as const, sub: '1234567', pid: 'prj_1', now, ttlSeconds: 3600, sid: 'ses_1', gen: 3 },
      { pur: 'livechat_access' as const, sub: 'b1f4d0c2-6a8e-4a57-9d0b-3f1c2e4d5a6b', pid: 'prj_é', now, ttlSeconds: 60, sid: 'ses_2', gen: 0 },
    ]) {
      const { token, claims } = signer.sign(input);
      assert.equal(token, reference({ ...claims }));
      assert.deepEqual(signer.verify(token), claims);
    }
  });

  it('is accepted by a standard verifier with the secret, and by none with another', () => {
    const { token, claims } = signer.sign({ pur: 'access', sub: '7', pid: 'prj_1', now: Date.now(), ttlSeconds: 60, sid: 'ses_1', gen: 1 });
    assert.deepEqual(createVerifier({ key: SECRET, algorithms: ['HS256'] })(token), claims);
    assert.throws(() => createVerifier({ key: `${SECRET}!`, algorithms: ['HS256'] })(token));
    assert.equal(createTokenSigner({ current: `${SECRET}!`, accepted: [] }).verify(token), undefined);
    const [header, payload] = token.split('.') as [string, string];
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: '8' })).toString('base64url')}.${token.split('.')[2]}`;
    assert.notEqual(payload, tampered.split('.')[1]);
    assert.equal(signer.verify(tampered), undefined);
  });

  it('verifies a token presented once (a ticket) as it verifies one presented again, uncached, with every accepted secret', () => {
    const { token, claims } = signer.sign({ pur: 'auth_ticket', sub: '7', pid: 'prj_1', now: Date.now(), ttlSeconds: 3600 });
    assert.deepEqual(signer.verifyOnce(token), claims);
    assert.deepEqual(signer.verifyOnce(token), claims, 'twice: nothing remembered changes the answer');
    const rotated = createTokenSigner({ current: `${SECRET}-next`, accepted: [SECRET] });
    assert.deepEqual(rotated.verifyOnce(token), claims);
    assert.equal(createTokenSigner({ current: `${SECRET}!`, accepted: [] }).verifyOnce(token), undefined);
    const [header, , signature] = token.split('.') as [string, string, string];
    assert.equal(signer.verifyOnce(`${header}.${Buffer.from(JSON.stringify({ ...claims, sub: '8' })).toString('base64url')}.${signature}`), undefined);
    assert.equal(signer.verifyOnce('not-a-token'), undefined);
  });

  it('gives every token a version-7 UUID as its id: its issue time first, so ticket records are appended in time order', () => {
    const at = 1_764_000_000_123;
    const ids = Array.from({ length: 2_000 }, (_, i) => signer.sign({ pur: 'auth_ticket', sub: '7', pid: 'prj_1', now: at + i, ttlSeconds: 3600 }).claims.jti);
    // RFC 9562: 48 bits of Unix milliseconds, version 7, then the variant bits 10.
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(ids[0]?.slice(0, 13), '019ab697-e87b', 'the first 48 bits are the issue time in milliseconds');
    assert.deepEqual([...ids].sort(), ids, 'ids of later milliseconds sort after earlier ones');
    const sameMillisecond = Array.from(
      { length: 2_000 },
      () => signer.sign({ pur: 'auth_ticket', sub: '7', pid: 'prj_1', now: at, ttlSeconds: 3600 }).claims.jti,
    );
    assert.equal(new Set(sameMillisecond).size, sameMillisecond.length, 'unique within one millisecond');
  });
});

describe('secrets', () => {
  it('are 43 base64url characters of 32 random bytes, never repeated across many refills of the pool', () => {
    // 10,000 secrets of 32 bytes: the 4 KiB pool refilled about 80 times.
    const secrets = Array.from({ length: 10_000 }, newSecret);
    for (const secret of secrets) assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(new Set(secrets).size, secrets.length);
    // A pool read again after it was wiped would hand out zeros.
    assert.ok(!secrets.includes(Buffer.alloc(32).toString('base64url')));
  });
});
