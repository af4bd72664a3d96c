// Returning users' stored profiles by `project\0xcUserID` (how a ticket request names its user),
// forgotten by user id (how a change names it), so a change forgets that user's profile alone. It used
// to empty the whole cache: every sign-up and every rename sent each returning user's next ticket back
// to the database, and off the fast path (api/server/auth-ticket.fast.ts).
import type { StoredProfile } from '../repos/users.ts';
import { TtlCache } from './ttl-cache.ts';

const idKey = (projectId: string, id: number) => `${projectId}\0${id}`;

export class ProfileCache extends TtlCache<string, StoredProfile> {
  /**
   * `project\0id` → the key its profile was cached under. It may name entries gone since (expired or
   * evicted; forgetting those does nothing), so it is bounded on its own: past twice the cache's size,
   * both are emptied, never the map alone (a cached profile must always be found by its id).
   */
  readonly #keyOf = new Map<string, string>();
  readonly #maxIds: number;

  constructor(ttlMs: number, maxEntries: number, now: () => number) {
    super(ttlMs, maxEntries, now);
    this.#maxIds = 2 * maxEntries;
  }

  /** `key` is `userKey(projectId, xcUserID)` (repos/users.ts). */
  override set(key: string, profile: StoredProfile): void {
    if (this.#keyOf.size >= this.#maxIds) this.clear();
    const byId = idKey(key.slice(0, key.indexOf('\0')), profile.id);
    // The user's profile under an older xcUserID is stale: one user, one current key.
    const before = this.#keyOf.get(byId);
    if (before !== undefined && before !== key) super.delete(before);
    super.set(key, profile);
    this.#keyOf.set(byId, key);
  }

  /** Forgets the profile of the user `id` of `projectId`, wherever it is cached. */
  forget(projectId: string, id: number): void {
    const byId = idKey(projectId, id);
    const key = this.#keyOf.get(byId);
    if (key === undefined) return;
    this.#keyOf.delete(byId);
    super.delete(key);
  }

  override clear(): void {
    super.clear();
    this.#keyOf.clear();
  }

  override pause(): void {
    super.pause();
    this.#keyOf.clear();
  }
}
