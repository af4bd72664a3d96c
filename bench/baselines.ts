// The two baselines, each measured in its own process on the server CPU with the ticket scenario's
// requests. A Parley server that is up meanwhile is stopped (SIGSTOP) so the CPU is theirs alone.
import { type Timing, measure } from './measure.ts';
import { SERVER_CPU } from './phase.ts';
import { PinnedProcess, freePort, whilePaused } from './processes.ts';
import type { Baselines } from './report.ts';
import { BASELINE_ARGS } from './scenarios.ts';
import type { Project } from './setup.ts';
import type { Wrk } from './wrk.ts';

const TITLES = { http: 'node:http', fastify: 'Fastify route' } as const;
type Kind = keyof typeof TITLES;

/** `bytes`: the length of Parley's ticket response, which both baselines answer. */
export async function measureBaselines(o: {
  root: string;
  wrk: Wrk;
  timing: Timing;
  parley?: PinnedProcess;
  bytes: number;
  project: Project;
}): Promise<Baselines> {
  const baselines: Baselines = { http: undefined, fastify: undefined };
  await whilePaused(o.parley === undefined ? [] : [o.parley], async () => {
    for (const kind of ['http', 'fastify'] as const) {
      console.log(`  baseline ${TITLES[kind]} (answers ${o.bytes} bytes)`);
      const server = await startBaseline(o.root, kind, o.bytes);
      try {
        baselines[kind] = await measureBaseline(kind, server, o);
      } finally {
        await server.stop();
      }
    }
  });
  return baselines;
}

/** A baseline's server process, pinned to the server CPU. */
export async function startBaseline(root: string, kind: Kind, bytes: number): Promise<PinnedProcess> {
  const port = await freePort();
  return PinnedProcess.start({
    name: TITLES[kind],
    cpu: SERVER_CPU,
    cwd: root,
    command: 'node',
    args: ['--import', 'tsx', 'bench/baseline-server.ts', kind, String(port), String(bytes)],
    port,
    readyPath: '/',
  });
}

/** A baseline's figure, driven as every server is, with the ticket scenario's requests. */
export function measureBaseline(kind: Kind, server: PinnedProcess, o: { wrk: Wrk; timing: Timing; project: Project }, key = `baseline/${kind}`) {
  return measure(
    { key, id: kind, title: TITLES[kind], database: null, preloadedRows: 0 },
    { wrk: o.wrk, timing: o.timing, server, lua: 'ticket', args: (i) => ({ ...BASELINE_ARGS(o.project), salt: String(i) }) },
  );
}
