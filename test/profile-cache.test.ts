// The ticket path's profile cache forgets one user by id (what a change names), and never keeps a
// profile it could no longer find by id.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredProfile } from '../src/repos/users.ts';
import { userKey } from '../src/repos/users.ts';
import { ProfileCache } from '../src/security/profile-cache.ts';

const profile = (id: number, fullname = `User ${id}`) => ({ id, fullname }) as StoredProfile;

describe('profile cache', () => {
  it("forgets the changed user's profile alone, in its own project", () => {
    const cache = new ProfileCache(60_000, 100, () => 0);
    cache.set(userKey('p1', 'alice'), profile(1));
    cache.set(userKey('p1', 'bob'), profile(2));
    cache.set(userKey('p2', 'carol'), profile(1));
    cache.forget('p1', 1);
    assert.equal(cache.get(userKey('p1', 'alice')), undefined);
    assert.equal(cache.get(userKey('p1', 'bob'))?.id, 2);
    assert.equal(cache.get(userKey('p2', 'carol'))?.id, 1, 'the same id in another project is another user');
    cache.forget('p1', 3);
    assert.equal(cache.get(userKey('p1', 'bob'))?.id, 2);
  });

  it('keeps one key per user: a profile cached under an older xcUserID is dropped', () => {
    const cache = new ProfileCache(60_000, 100, () => 0);
    cache.set(userKey('p1', 'old-name'), profile(7));
    cache.set(userKey('p1', 'new-name'), profile(7));
    assert.equal(cache.get(userKey('p1', 'old-name')), undefined);
    cache.forget('p1', 7);
    assert.equal(cache.get(userKey('p1', 'new-name')), undefined);
  });

  it('empties itself rather than lose track of an id, however many users pass through', () => {
    const cache = new ProfileCache(60_000, 10, () => 0);
    for (let id = 1; id <= 25; id++) cache.set(userKey('p1', `u${id}`), profile(id));
    // Every profile still cached can still be forgotten by its id.
    for (let id = 1; id <= 25; id++) {
      cache.forget('p1', id);
      assert.equal(cache.get(userKey('p1', `u${id}`)), undefined);
    }
    cache.set(userKey('p1', 'u1'), profile(1));
    assert.equal(cache.get(userKey('p1', 'u1'))?.id, 1);
  });
});
