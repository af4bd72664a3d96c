// The token signer (src/tokens.ts) signs with node:crypto and verifies with fast-jwt: its tokens must be
// the standard compact JWS that fast-jwt's own signer makes, byte for byte, and accepted by any verifier
// holding the secret — and by no other.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSigner, createVerifier } from 'fast-jwt';
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
});
