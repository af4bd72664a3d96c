// The socket hub: which sockets of which users this process holds, and delivery of events to them,
// here and, through the broker, on every other node.
//
// A stored room event carries the room's sequence number and time. Each node remembers the last event
// it delivered per room; a jump in numbers means the broker lost notes (it is at-most-once), and the
// node refills the gap from the database before going on, the way Centrifugo and Synapse recover.
// Typing is ephemeral: no number, no refill. Presence spans nodes (chat/presence.ts).
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { AuthCache, Invalidation } from '../security/auth-cache.ts';
import type { RoomEvent } from '../repos/rooms.ts';
import type { Broker } from './broker.ts';
import { type ClientSocket, writeFrame } from './client-socket.ts';
import { type Delivery, type Note, type Target, bytesOf, decodeNote, encodeNote, notePrefix } from './notes.ts';
import { Presence } from './presence.ts';

export type { ClientSocket } from './client-socket.ts';

export interface HubHandlers {
  /** The changes of a room stored between two events' times (exclusive), as frames for their users. */
  refill(projectId: string, roomId: string, after: number, before: number): Promise<Target[]>;
  /** A user came online (a first socket on any node) or went offline (the last one anywhere closed, or its node died). */
  presence(projectId: string, userId: number, online: boolean): void;
  /** A room's members changed (here or elsewhere): forget cached state. */
  roomChanged(projectId: string, roomId: string): void;
  /** Sessions to close among `sessionIds` (after a bulk revocation). */
  revokedSessions(sessionIds: string[]): Promise<string[]>;
  /** Keys revoked (or gone) among `keyIds`. */
  revokedKeys(keyIds: string[]): Promise<string[]>;
}

/** Close codes: 4001 the session ended; 1001 the server is going away. */
const SESSION_ENDED = 4001;
const MAX_TRACKED_ROOMS = 100_000;

export class Hub {
  readonly #byUser = new Map<string, Set<ClientSocket>>();
  readonly #bySession = new Map<string, Set<ClientSocket>>();
  /** The last event delivered per room (`project \0 room`). */
  readonly #seqs = new Map<string, RoomEvent>();
  /** Rooms being refilled, with the notes that arrived meanwhile. */
  readonly #filling = new Map<string, Array<Extract<Note, { k: 'room' }>>>();
  #handlers: HubHandlers | undefined;
  readonly #timers: NodeJS.Timeout[] = [];
  #presence: Presence | undefined;
  #sockets = 0;

  constructor(
    private readonly broker: Broker,
    private readonly authCache: AuthCache,
    private readonly logger: FastifyBaseLogger,
    /** This node's id, in every note it sends (a UUID, as the Redis broker's channels need: redisBroker). */
    readonly node: string = randomUUID(),
  ) {}

  /**
   * `keySweepMs`: how often the App-Keys of open sockets are checked against the database, for
   * revocations no note announced (a `parley key revoke` run on a deployment without a broker).
   */
  async start(handlers: HubHandlers, heartbeatMs = 30_000, keySweepMs = 5_000, presenceBeatMs = 10_000): Promise<void> {
    this.#handlers = handlers;
    // A node unheard for three beats is gone, and its users with it.
    this.#presence = new Presence(this.node, presenceBeatMs * 3, Date.now, (n) => this.#publish(n), handlers.presence);
    this.#every(presenceBeatMs, () => this.#presence?.beat(this.#byUser));
    // Neither broker sends this node its own notes (redisBroker, natsBroker); a broker that did would drop them unread.
    await this.broker.subscribe((data) => this.#receive(data), notePrefix(this.node));
    this.authCache.onInvalidate((m, local) => {
      this.#invalidated(m);
      // Nodes that share no Redis with us still hear of it through the broker.
      if (local) this.#publish({ n: this.node, k: 'inv', m });
    });
    // Browsers answer pings by themselves; a socket that missed one round is gone (e.g. its node died
    // mid-connection on the client side, or the network dropped it silently).
    this.#every(heartbeatMs, () => {
      for (const set of this.#byUser.values()) {
        for (const socket of set) {
          if (!socket.alive) socket.ws.terminate();
          else {
            socket.alive = false;
            socket.ws.ping();
          }
        }
      }
    });
    this.#every(keySweepMs, () => this.#closeRevokedKeys());
  }

  #every(ms: number, work: () => void): void {
    this.#timers.push(setInterval(work, ms).unref());
  }

  /**
   * Closes the sockets opened with a key that is now revoked (of `only`, or of every key). Two passes
   * over the sockets, one for their keys and one to close, each linear: every node runs this every few
   * seconds over all of its sockets (it used to copy a growing list per socket, quadratic: 17,000 idle
   * sockets cost seconds of CPU a sweep).
   */
  #closeRevokedKeys(only?: string): void {
    const keys = new Set<string>();
    for (const set of this.#byUser.values()) {
      for (const socket of set) if (only === undefined || socket.keyId === only) keys.add(socket.keyId);
    }
    if (keys.size === 0 || this.#handlers === undefined) return;
    const close = (ids: string[]) => {
      if (ids.length === 0) return;
      const revoked = new Set(ids);
      // Found here before the key cache expired: REST calls with the key stop now too.
      for (const id of revoked) this.authCache.keys.delete(`app:${id}`);
      for (const set of this.#byUser.values()) {
        for (const socket of set) if (revoked.has(socket.keyId)) socket.ws.close(SESSION_ENDED, 'key revoked');
      }
    };
    this.#handlers
      .revokedKeys([...keys])
      .then(close, (err: unknown) => this.logger.warn({ err: { message: (err as Error).message } }, 'could not check the keys of open sockets'));
  }

  get socketCount(): number {
    return this.#sockets;
  }

  attach(socket: ClientSocket): void {
    const userKey = `${socket.projectId}\0${socket.userId}`;
    let set = this.#byUser.get(userKey);
    const first = set === undefined;
    if (set === undefined) {
      set = new Set();
      this.#byUser.set(userKey, set);
    }
    set.add(socket);
    let sessions = this.#bySession.get(socket.sessionId);
    if (sessions === undefined) {
      sessions = new Set();
      this.#bySession.set(socket.sessionId, sessions);
    }
    sessions.add(socket);
    this.#sockets++;
    socket.ws.on('pong', () => {
      socket.alive = true;
    });
    socket.ws.once('close', () => this.#detach(socket));
    if (first) this.#presence?.changedHere(socket.projectId, socket.userId, true);
  }

  #detach(socket: ClientSocket): void {
    const userKey = `${socket.projectId}\0${socket.userId}`;
    const set = this.#byUser.get(userKey);
    if (set?.delete(socket) !== true) return;
    this.#sockets--;
    const sessions = this.#bySession.get(socket.sessionId);
    sessions?.delete(socket);
    if (sessions?.size === 0) this.#bySession.delete(socket.sessionId);
    if (set.size === 0) {
      this.#byUser.delete(userKey);
      this.#presence?.changedHere(socket.projectId, socket.userId, false);
    }
  }

  /** How many sockets the user holds on this node. */
  socketsOf(projectId: string, userId: number): number {
    return this.#byUser.get(`${projectId}\0${userId}`)?.size ?? 0;
  }

  /** True when the user has a socket on this node or on another live one. */
  isOnline(projectId: string, userId: number): boolean {
    return this.#byUser.has(`${projectId}\0${userId}`) || this.#presence?.onlineElsewhere(projectId, userId) === true;
  }

  /** A stored room event: delivered here and on every node. */
  roomEvent(projectId: string, roomId: string, event: RoomEvent, targets: Target[]): void {
    const note: Note = { n: this.node, k: 'room', p: projectId, r: roomId, s: event.seq, a: event.at, t: targets };
    this.#publish(note);
    this.#roomNote(note);
  }

  /** An event nobody stores (typing, presence, a replayed echo): delivered here and everywhere. */
  ephemeral(projectId: string, targets: Target[], everywhere = true): void {
    if (everywhere) this.#publish({ n: this.node, k: 'eph', p: projectId, t: targets });
    this.#deliver(projectId, targets);
  }

  /** A mark for `sentSince`: how many notes this node has published. */
  mark(): number {
    return this.broker.mark();
  }

  /** Whether every note published since `mark` reached the broker, so every node (true on one node). */
  sentSince(mark: number): Promise<boolean> {
    return this.broker.sentSince(mark);
  }

  /** A room's members or details changed: every node forgets what it cached of it. */
  roomChanged(projectId: string, roomId: string): void {
    this.#handlers?.roomChanged(projectId, roomId);
    this.#publish({ n: this.node, k: 'members', p: projectId, r: roomId });
  }

  /** Sends one frame to one socket (answers and errors to the client that asked). */
  send(socket: ClientSocket, frame: string): void {
    writeFrame(socket, Buffer.from(frame));
  }

  /** Ends every socket here (shutdown); clients reconnect, to another node if there is one. */
  closeSockets(): void {
    for (const set of [...this.#byUser.values()]) for (const socket of set) socket.ws.close(1001, 'server shutting down');
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer);
    this.closeSockets();
    await this.broker.close();
  }

  #publish(note: Note): void {
    if (this.broker.name !== 'none') this.broker.publish(encodeNote(note));
  }

  #receive(data: Buffer): void {
    let note: Note;
    try {
      note = decodeNote(data);
    } catch {
      this.logger.warn('unreadable broker note');
      return;
    }
    if (note.k === 'room') this.#roomNote(note, true);
    else if (note.k === 'eph') this.#deliver(note.p, note.t, true);
    else if (note.k === 'members') this.#handlers?.roomChanged(note.p, note.r);
    else if (note.k === 'inv') this.authCache.apply(note.m);
    else this.#presence?.heard(note);
  }

  /** `lent`: the note's frames are views of the broker's bytes, valid during this call (Broker.subscribe). */
  #roomNote(note: Extract<Note, { k: 'room' }>, lent = false): void {
    const key = `${note.p}\0${note.r}`;
    const waiting = this.#filling.get(key);
    if (waiting !== undefined) {
      waiting.push(lent ? kept(note) : note);
      return;
    }
    const last = this.#seqs.get(key);
    if (last !== undefined && note.s <= last.seq) return; // already delivered (by a refill)
    if (last === undefined || note.s === last.seq + 1) {
      if (this.#seqs.size >= MAX_TRACKED_ROOMS && last === undefined) this.#seqs.clear();
      this.#seqs.set(key, { seq: note.s, at: note.a });
      this.#deliver(note.p, note.t, lent);
      return;
    }
    // A gap: refill what was stored between the two events, then go on in order.
    const queue = [lent ? kept(note) : note];
    this.#filling.set(key, queue);
    const handlers = this.#handlers;
    const refill = handlers === undefined ? Promise.resolve([]) : handlers.refill(note.p, note.r, last.at, note.a);
    refill
      .then(
        (targets) => this.#deliver(note.p, targets),
        (err: unknown) => this.logger.warn({ err: { message: (err as Error).message }, room: note.r }, 'could not refill missed room events'),
      )
      .finally(() => {
        this.#filling.delete(key);
        this.#seqs.set(key, { seq: note.s - 1, at: last.at });
        for (const n of queue.sort((a, b) => a.s - b.s)) this.#roomNote(n);
      });
  }

  /** `lent`: as for #roomNote; a frame written is copied, as a socket may hold it past this call. */
  #deliver(projectId: string, targets: Delivery[], lent = false): void {
    for (const target of targets) {
      let buffer: Buffer | undefined;
      for (const userId of target.users) {
        const set = this.#byUser.get(`${projectId}\0${userId}`);
        if (set === undefined) continue;
        buffer ??= lent ? Buffer.from(bytesOf(target)) : bytesOf(target);
        for (const socket of set) writeFrame(socket, buffer);
      }
    }
  }

  #invalidated(m: Invalidation): void {
    if (m.kind === 'key') this.#closeRevokedKeys(m.id);
    else if (m.kind === 'keys') this.#closeRevokedKeys();
    else if (m.kind === 'session') {
      for (const socket of this.#bySession.get(m.id) ?? []) socket.ws.close(SESSION_ENDED, 'session ended');
    } else if (m.kind === 'sessions' && this.#bySession.size > 0 && this.#handlers !== undefined) {
      const ids = [...this.#bySession.keys()];
      this.#handlers.revokedSessions(ids).then(
        (revoked) => {
          for (const id of revoked) for (const socket of this.#bySession.get(id) ?? []) socket.ws.close(SESSION_ENDED, 'session ended');
        },
        (err: unknown) => this.logger.warn({ err: { message: (err as Error).message } }, 'could not check sessions after a revocation'),
      );
    }
  }
}

/** A note whose frames are bytes of its own, for one kept past the call that lent it (a refill's queue). */
function kept(note: Extract<Note, { k: 'room' }>): Extract<Note, { k: 'room' }> {
  return { ...note, t: note.t.map((d) => ({ users: d.users, bytes: Buffer.from(bytesOf(d)) })) };
}
