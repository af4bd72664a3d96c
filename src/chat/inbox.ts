// What one socket has received but not yet handled. Past a bound the socket is no longer read, so the
// client's writes wait in TCP buffers (its own, then its kernel's) instead of in the server's memory;
// reading resumes once half of it has been handled. A client that writes faster than the server
// handles thus costs the server at most the bound (plus the chunk being parsed), not what it sends.
import type { WebSocket } from 'ws';

export interface InboxBound {
  frames: number;
  bytes: number;
}

export class Inbox {
  #frames = 0;
  #bytes = 0;
  #paused = false;

  constructor(
    private readonly ws: Pick<WebSocket, 'pause' | 'resume'>,
    private readonly bound: InboxBound,
  ) {}

  /** A frame arrived; the returned function marks it handled (once; later calls do nothing). */
  admit(bytes: number): () => void {
    this.#frames++;
    this.#bytes += bytes;
    if (!this.#paused && (this.#frames >= this.bound.frames || this.#bytes >= this.bound.bytes)) {
      this.#paused = true;
      this.ws.pause();
    }
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#frames--;
      this.#bytes -= bytes;
      // At half the bound rather than just under it: fewer pause/resume flips under steady load.
      if (this.#paused && this.#frames <= this.bound.frames / 2 && this.#bytes <= this.bound.bytes / 2) {
        this.#paused = false;
        this.ws.resume();
      }
    };
  }
}
