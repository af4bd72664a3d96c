// The guard's memory counts (security/auth-guard.ts): whether any presented credential can be over its
// limit, which lets answers before routing skip hashing a credential that cannot be.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memoryAuthGuard } from '../src/security/auth-guard.ts';

describe('auth guard in memory', () => {
  it('may refuse credentials only while one has reached its limit in an open window', async () => {
    let now = 1_000;
    const guard = memoryAuthGuard({ perAddress: 2, perCredential: 3, windowMs: 60_000 }, () => now);
    assert.equal(guard.mayRefuseCredentials(), false);
    // An address over its limit refuses no credential outright.
    for (let i = 0; i < 5; i++) await guard.recordFailure(['ip:10.0.0.1']);
    assert.deepEqual(guard.waitsNow(['ip:10.0.0.1']), [60]);
    assert.equal(guard.mayRefuseCredentials(), false);
    await guard.recordFailure(['ip:10.0.0.1', 'cred:a']);
    now += 30_000;
    await guard.recordFailure(['cred:a']);
    assert.equal(guard.mayRefuseCredentials(), false, 'two failures of three');
    await guard.recordFailure(['cred:a']);
    assert.equal(guard.mayRefuseCredentials(), true);
    assert.deepEqual(guard.waitsNow(['cred:a', 'cred:b']), [30, 0]);
    now += 29_999;
    assert.equal(guard.mayRefuseCredentials(), true);
    now += 1;
    assert.equal(guard.mayRefuseCredentials(), false, 'its window has ended');
    assert.deepEqual(guard.waitsNow(['cred:a']), [0]);
  });
});
