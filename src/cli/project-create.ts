import { type CreatedProject, TIERS, type Tier, createProject, isTier } from '../services/projects.ts';
import { type Command, type Output, UsageError, parseFlags, printJson, requireFlag, withDeps } from './context.ts';

export function parseTier(value: string): Tier {
  if (!isTier(value)) throw new UsageError(`unknown tier "${value}" (choose one of: ${TIERS.join(', ')})`);
  return value;
}

export function printCreatedProject(io: Output, p: CreatedProject): void {
  io.out(`Project ${p.name} (${p.projectID}), tier ${p.tier ?? 'none'}`);
  io.out('Keys (the secrets are shown only now; store them safely):');
  io.out(`  Server-Key header: ${p.serverKey.header}`);
  io.out(`      (id ${p.serverKey.id}, secret ${p.serverKey.secret})`);
  io.out(`  API-Key:           ${p.apiKey}`);
  io.out(`  App-Key header:    ${p.appKey.header}`);
  io.out(`      (id ${p.appKey.id}, secret ${p.appKey.secret})`);
}

export const projectCreate: Command = async (ctx) => {
  const { values } = parseFlags(ctx.args, { name: { type: 'string' }, tier: { type: 'string' }, json: { type: 'boolean' } });
  const name = requireFlag(values.name, 'name');
  if (name.length > 200) throw new UsageError('--name must be at most 200 characters');
  const tier = values.tier === undefined ? null : parseTier(values.tier);
  const created = await withDeps(ctx, values.database, (deps) => createProject(deps, { name, tier }));
  if (values.json) printJson(ctx.io, created);
  else printCreatedProject(ctx.io, created);
  return 0;
};
