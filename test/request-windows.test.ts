// The per-key rate limit's counts in this process (http/request-windows.ts): fixed windows as
// @fastify/rate-limit's own memory store keeps them, and a bound on the keys remembered.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestWindows } from '../src/http/request-windows.ts';

describe('request windows', () => {
  it('counts a key in a fixed window that the first request opens', () => {
    let now = 1_000_000;
    const windows = new RequestWindows(3, 60_000, () => now);
    assert.deepEqual(windows.hit('k'), { current: 1, ttl: 60_000 });
    now += 15_500;
    assert.deepEqual(windows.hit('k'), { current: 2, ttl: 44_500 });
    assert.deepEqual(windows.hit('other'), { current: 1, ttl: 60_000 }, 'each key has its own');
    now += 44_499;
    assert.deepEqual(windows.hit('k'), { current: 3, ttl: 1 });
    now += 1;
    assert.deepEqual(windows.hit('k'), { current: 1, ttl: 60_000 }, 'a new window once it has passed');
  });

  it('gives the headers of a call within the limit, and nothing past it', () => {
    let now = 0;
    const windows = new RequestWindows(2, 60_000, () => now);
    assert.deepEqual(windows.hitBeforeRouting('k'), { 'x-ratelimit-limit': 2, 'x-ratelimit-remaining': 1, 'x-ratelimit-reset': 60 });
    now += 100;
    assert.deepEqual(windows.hitBeforeRouting('k'), { 'x-ratelimit-limit': 2, 'x-ratelimit-remaining': 0, 'x-ratelimit-reset': 60 });
    assert.equal(windows.hitBeforeRouting('k'), undefined);
  });

  it('answers the library through its store interface, the same counts', () => {
    const windows = new RequestWindows(5, 1_000, () => 0);
    const seen: unknown[] = [];
    windows.incr('k', (err, result) => seen.push(err, result));
    windows.hit('k');
    windows.incr('k', (err, result) => seen.push(err, result));
    assert.deepEqual(seen, [null, { current: 1, ttl: 1_000 }, null, { current: 3, ttl: 1_000 }]);
    assert.equal(windows.child(), windows, 'every route counts in the one store');
  });

  it('forgets ended windows first, then the oldest, past its bound of keys', () => {
    let now = 0;
    const windows = new RequestWindows(10, 1_000, () => now, 3);
    windows.hit('a');
    now = 600;
    windows.hit('b');
    windows.hit('c');
    now = 1_200;
    // 'a' has ended: it goes, and 'b' and 'c' keep their counts.
    windows.hit('d');
    windows.hit('b');
    assert.equal(windows.hit('b').current, 3);
    // None has ended now: the oldest window ('b', opened at 600) goes first.
    windows.hit('e');
    assert.equal(windows.hit('c').current, 2, 'c kept');
    assert.equal(windows.hit('b').current, 1, 'b forgotten: a new window');
  });
});
