// The inbox page's chat connection: the agent's own chat user (agents are chat users of the project),
// through the same socket and SDK as every client. The page needs an app key to speak to the chat API;
// app key secrets are kept only as hashes, so each process makes one per project on first need, keeps
// its secret in memory, and revokes it at shutdown (as the demo does: services/demo.ts).
import type { Deps } from '../deps.ts';
import type { Agent } from '../repos/livechat.ts';
import { TICKET_TTL_SECONDS } from '../tokens.ts';
import { createKey, revokeKey } from './projects.ts';

export interface InboxAppKey {
  appKeyID: string;
  appKeySecret: string;
}

export interface InboxKeys {
  get(projectId: string): Promise<InboxAppKey>;
  revoke(): Promise<void>;
}

export function inboxKeys(deps: Deps): InboxKeys {
  const keys = new Map<string, Promise<InboxAppKey>>();
  return {
    get(projectId) {
      let pending = keys.get(projectId);
      if (pending === undefined) {
        pending = createKey(deps, projectId, 'app').then((k) => {
          if (k.type === 'api') throw new Error('an app key was asked for');
          return { appKeyID: k.id, appKeySecret: k.secret };
        });
        // A failure is not kept: the next request tries again.
        pending.catch(() => keys.delete(projectId));
        keys.set(projectId, pending);
      }
      return pending;
    },
    async revoke() {
      const held = [...keys.values()];
      keys.clear();
      for (const p of held) {
        const key = await p.catch(() => undefined);
        if (key !== undefined) await revokeKey(deps, key.appKeyID);
      }
    },
  };
}

/** A chat auth ticket for the agent's chat user, redeemed by the page's chat SDK with the app key. */
export function agentChatTicket(deps: Deps, agent: Agent): { userID: string; ticket: string } {
  const userID = String(agent.userId);
  const { token } = deps.signer.sign({ pur: 'auth_ticket', sub: userID, pid: agent.projectId, now: deps.clock.now(), ttlSeconds: TICKET_TTL_SECONDS });
  deps.metrics.ticketsIssued.inc({ kind: 'powertalk' });
  return { userID, ticket: token };
}
