// Who is online on the other nodes. Each node tells the others through the broker when a user's first
// socket opens or last closes on it, and every beat lists the users it holds; a node's entries expire
// when its beats stop (it died), so a user is online while any live node holds a socket of theirs.
// A user's online/offline is announced once, by the node where the change happened; an expiry is
// announced by one node only: the live node of the smallest id.
import type { Note } from './notes.ts';

/** `project \0 user` */
type UserKey = string;

export class PresenceBook {
  /** For each user held elsewhere: the nodes holding them, each until when its word holds. */
  readonly #remote = new Map<UserKey, Map<string, number>>();
  /** Every other node heard from, until when it counts as alive. */
  readonly #nodes = new Map<string, number>();

  constructor(
    readonly node: string,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  /** A node's first socket of a user opened (`online`), or its last closed. */
  changed(node: string, key: UserKey, online: boolean): void {
    this.#alive(node);
    const nodes = this.#remote.get(key);
    if (online) {
      if (nodes === undefined) this.#remote.set(key, new Map([[node, this.now() + this.ttlMs]]));
      else nodes.set(node, this.now() + this.ttlMs);
    } else if (nodes !== undefined) {
      nodes.delete(node);
      if (nodes.size === 0) this.#remote.delete(key);
    }
  }

  /** A node's beat: every user it holds now (users it no longer lists are no longer there). */
  beat(node: string, keys: UserKey[]): void {
    this.#alive(node);
    const until = this.now() + this.ttlMs;
    const listed = new Set(keys);
    for (const [key, nodes] of this.#remote) {
      if (nodes.has(node) && !listed.has(key)) {
        nodes.delete(node);
        if (nodes.size === 0) this.#remote.delete(key);
      }
    }
    for (const key of listed) {
      const nodes = this.#remote.get(key);
      if (nodes === undefined) this.#remote.set(key, new Map([[node, until]]));
      else nodes.set(node, until);
    }
  }

  /** Whether another live node holds a socket of the user. */
  onlineElsewhere(key: UserKey): boolean {
    const now = this.now();
    for (const until of this.#remote.get(key)?.values() ?? []) if (until > now) return true;
    return false;
  }

  /**
   * Forgets what expired; returns the users no node holds any more because their node went silent,
   * when this node is the one to announce it (the live node of the smallest id).
   */
  expire(): UserKey[] {
    const now = this.now();
    const gone: UserKey[] = [];
    for (const [key, nodes] of this.#remote) {
      for (const [node, until] of nodes) if (until <= now) nodes.delete(node);
      if (nodes.size === 0) {
        this.#remote.delete(key);
        gone.push(key);
      }
    }
    for (const [node, until] of this.#nodes) if (until <= now) this.#nodes.delete(node);
    const announcer = [this.node, ...this.#nodes.keys()].sort()[0];
    return announcer === this.node ? gone : [];
  }

  #alive(node: string): void {
    this.#nodes.set(node, this.now() + this.ttlMs);
  }
}

type PresenceNote = Extract<Note, { k: 'pres' } | { k: 'beat' }>;

/** A node's side of presence: tells the others, hears them, and says when a user's status changes. */
export class Presence {
  readonly #book: PresenceBook;

  constructor(
    private readonly node: string,
    ttlMs: number,
    now: () => number,
    private readonly publish: (note: PresenceNote) => void,
    private readonly announce: (projectId: string, userId: number, online: boolean) => void,
  ) {
    this.#book = new PresenceBook(node, ttlMs, now);
  }

  /** The user's first socket on this node opened (`online`) or last one closed. */
  changedHere(projectId: string, userId: number, online: boolean): void {
    this.publish({ n: this.node, k: 'pres', p: projectId, id: userId, on: online });
    if (!this.#book.onlineElsewhere(`${projectId}\0${userId}`)) this.announce(projectId, userId, online);
  }

  onlineElsewhere(projectId: string, userId: number): boolean {
    return this.#book.onlineElsewhere(`${projectId}\0${userId}`);
  }

  heard(note: PresenceNote): void {
    if (note.k === 'pres') this.#book.changed(note.n, `${note.p}\0${note.id}`, note.on);
    else
      this.#book.beat(
        note.n,
        Object.entries(note.b).flatMap(([project, users]) => users.map((u) => `${project}\0${u}`)),
      );
  }

  /** Every beat: the users held here (`project \0 user`) to the others; offline for those whose node went silent. */
  beat(here: ReadonlyMap<string, unknown>): void {
    const byProject: Record<string, number[]> = {};
    for (const key of here.keys()) {
      const [project, user] = key.split('\0') as [string, string];
      const users = byProject[project] ?? [];
      users.push(Number(user));
      byProject[project] = users;
    }
    this.publish({ n: this.node, k: 'beat', b: byProject });
    for (const key of this.#book.expire()) {
      if (here.has(key)) continue;
      const [project, user] = key.split('\0') as [string, string];
      this.announce(project, Number(user), false);
    }
  }
}
