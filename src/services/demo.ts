// The demo (`parley serve --demo`): plays the customer's backend for the /demo page, handing a ticket
// to whoever types a name. Never on in production: nothing but the name is checked.
import type { Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { type UserDevice, listUsersByXcUserIdPrefix } from '../repos/users.ts';
import { findProjectByName } from '../repos/projects.ts';
import { requestAuthTicket } from './powertalk.ts';
import { type ToolKey, toolAppKey } from './tool-keys.ts';

/** The project the demo signs users into: the one `serve --bootstrap` creates. */
export const DEMO_PROJECT = 'default';
/** Demo users are `demo:<name in lower case>`, so the same name is the same user again. */
export const DEMO_XC_PREFIX = 'demo:';
/** TapTalk's xcUserID holds 50 characters; the prefix takes 5. */
export const DEMO_NAME_MAX = 45;

export type DemoKey = ToolKey;

/**
 * The page's app key: the same one across restarts (services/tool-keys.ts), so a tab left open
 * reconnects by itself with the key it was served. Looked up once per process.
 */
export interface DemoKeys {
  get(): Promise<DemoKey>;
}

export function demoKeys(deps: Deps): DemoKeys {
  let pending: Promise<DemoKey> | undefined;
  return {
    get() {
      // A failure (no project yet) is not kept: the next request tries again.
      pending ??= demoKey(deps).catch((err: unknown) => {
        pending = undefined;
        throw err;
      });
      return pending;
    },
  };
}

async function demoKey(deps: Deps): Promise<DemoKey> {
  const project = await findProjectByName(deps.db, DEMO_PROJECT);
  if (project === undefined) {
    throw new ApiError('ServiceUnavailable', {
      message:
        `The demo signs users into the project "${DEMO_PROJECT}", and there is none: start Parley with ` +
        '`npm start` (`parley serve --bootstrap --demo`) on an empty database, or create it with ' +
        `\`parley project create --name ${DEMO_PROJECT} --tier free\``,
    });
  }
  const key = await toolAppKey(deps, 'demo', project.id);
  deps.logger.warn({ keyId: key.appKeyID }, 'demo on: /demo hands out auth tickets to anyone (never in production)');
  return key;
}

/** Display names: whitespace runs become one space (the caller has trimmed). */
export function demoDisplayName(name: string): string {
  return name.replace(/\s+/g, ' ');
}

export function demoXcUserID(name: string): string {
  return DEMO_XC_PREFIX + demoDisplayName(name).toLowerCase();
}

/** Creates or updates the user `demo:<name>` and issues its auth ticket, with the key to redeem it. */
export async function issueDemoTicket(deps: Deps, key: DemoKey, name: string, device: UserDevice) {
  const fullname = demoDisplayName(name);
  const xcUserID = demoXcUserID(name);
  // Lower-casing can lengthen a name (İ → i̇); TapTalk's clients look users up by xcUserID of ≤ 50.
  if ([...xcUserID].length > DEMO_NAME_MAX + DEMO_XC_PREFIX.length) {
    throw new ApiError('ParamValidationFailed', { field: 'name', message: `Param 'name' must be between 1 and ${DEMO_NAME_MAX} characters` });
  }
  const { userID, ticket } = await requestAuthTicket(deps, key.projectId, { profile: { xcUserID, fullname }, device });
  return { userID, ticket, appKeyID: key.appKeyID, appKeySecret: key.appKeySecret };
}

/** The people one can chat with on the demo page (online = has a socket on this node). */
export async function listDemoUsers(deps: Deps, projectId: string) {
  const users = await listUsersByXcUserIdPrefix(deps.db, projectId, DEMO_XC_PREFIX, 200);
  return users.map((u) => ({
    userID: String(u.id),
    xcUserID: u.xcUserID,
    fullname: u.fullname,
    isOnline: deps.chat.hub.isOnline(projectId, u.id),
  }));
}
