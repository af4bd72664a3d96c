// The two baselines, each measured in its own process on the server CPU with the ticket scenario's
// requests. A Parley server that is up meanwhile is stopped (SIGSTOP) so the CPU is theirs alone.
import { type Timing, measure } from './measure.ts';
import { SERVER_CPU } from './phase.ts';
import { PinnedProcess, freePort } from './processes.ts';
import type { Baselines } from './report.ts';
import { BASELINE_ARGS } from './scenarios.ts';
import type { Project } from './setup.ts';
import type { Wrk } from './wrk.ts';

const KINDS = [
  ['http', 'node:http'],
  ['fastify', 'Fastify route'],
] as const;

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
  o.parley?.pause();
  try {
    for (const [kind, title] of KINDS) {
      console.log(`  baseline ${title} (answers ${o.bytes} bytes)`);
      const port = await freePort();
      const server = await PinnedProcess.start({
        name: title,
        cpu: SERVER_CPU,
        cwd: o.root,
        command: 'node',
        args: ['--import', 'tsx', 'bench/baseline-server.ts', kind, String(port), String(o.bytes)],
        port,
        readyPath: '/',
      });
      try {
        baselines[kind] = await measure(
          { key: `baseline/${kind}`, id: kind, title, database: null, preloadedRows: 0 },
          { wrk: o.wrk, timing: o.timing, server, lua: 'ticket', args: (i) => ({ ...BASELINE_ARGS(o.project), salt: String(i) }) },
        );
      } finally {
        await server.stop();
      }
    }
  } finally {
    o.parley?.resume();
  }
  return baselines;
}
