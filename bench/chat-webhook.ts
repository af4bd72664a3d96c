// chat_webhook: the chat load of chat_sqlite against a deployment with one webhook endpoint subscribed
// to message.sent, registered with `parley webhook create` as an operator would, pointing at a receiver
// in its own process (bench/webhook-receiver-server.ts, on the generator CPU: it stands for the
// operator's backend, not for Parley). Around each load the runner reads the outbox (the SQLite file,
// read-only) and the receiver: deliveries per second, what was pending when the load stopped, how long
// the queue took to drain, and whether every stored message reached the receiver once (by webhook-id).
// Then webhook_keepup: a fixed 1,000 msg/s for 10 s, which the dispatcher must keep up with.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import type { LoadRun, PairSpec } from './chat-load.ts';
import type { ChatContext, Deployment, LoadWatch } from './chat-phase.ts';
import type { BenchDatabase } from './databases.ts';
import { PinnedProcess, cpuSeconds, freePort } from './processes.ts';
import type { Client, Project } from './setup.ts';
import type { WebhookFigure } from './webhook-report.ts';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Loopback and plain http are refused unless the operator allows private addresses. */
export const WEBHOOK_ENV = { PARLEY_WEBHOOK_ALLOW_PRIVATE: 'true' };
const DRAIN_CAP_MS = 300_000;
export const KEEPUP = { rate: 1000, timing: { warmupSeconds: 1, runSeconds: 10, runs: 1 } };

interface Stats {
  requests: number;
  unique: number;
}

class Receiver {
  private constructor(readonly process: PinnedProcess) {}

  static async start(ctx: ChatContext): Promise<Receiver> {
    const port = await freePort();
    const args = ['--import', 'tsx', 'bench/webhook-receiver-server.ts', String(port)];
    return new Receiver(
      await PinnedProcess.start({ name: 'webhook receiver', cpu: ctx.generatorCpu, cwd: ctx.root, command: 'node', args, port, readyPath: '/stats' }),
    );
  }

  async stats(): Promise<Stats> {
    return (await (await fetch(`${this.process.url}/stats`)).json()) as Stats;
  }

  async ids(): Promise<Set<string>> {
    const text = await (await fetch(`${this.process.url}/ids`)).text();
    return new Set(text === '' ? [] : text.split('\n'));
  }
}

/** The outbox as the server leaves it, read from its SQLite file (WAL: reading never blocks the server). */
class Outbox {
  private readonly db: BetterSqlite3.Database;

  constructor(file: string) {
    this.db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  }

  /** Pending deliveries, and the messages the dispatcher has yet to write deliveries for (migration 0016). */
  pending(now: number): { pending: number; oldestAgeMs: number } {
    type Row = { n: number; oldest: number | null };
    const rows = this.db.prepare("select count(*) as n, min(created_at) as oldest from webhook_deliveries where status = 'pending'").get() as Row;
    const unread = this.db
      .prepare("select count(*) as n, min(created_at) as oldest from messages where id > (select last_id from webhook_cursors where name = 'message.sent')")
      .get() as Row;
    const oldest = Math.min(rows.oldest ?? now, unread.oldest ?? now);
    return { pending: rows.n + unread.n, oldestAgeMs: now - oldest };
  }

  totals(): { messages: number; deliveries: number; ids: Set<string> } {
    const messages = (this.db.prepare('select count(*) as n from messages').get() as { n: number }).n;
    const ids = this.db.prepare("select message_id from webhook_deliveries where event = 'message.sent'").pluck().all() as string[];
    return { messages, deliveries: ids.length, ids: new Set(ids) };
  }

  close(): void {
    this.db.close();
  }
}

/** Watches one load (bench/chat-phase.ts measureLoad) and turns it into a WebhookFigure. */
class Watch implements LoadWatch {
  private readyAt = 0;
  private ready0: Promise<Stats> | undefined;
  private stoppedAt = 0;
  private atStop: Promise<Stats> | undefined;
  private pendingAtStop = { pending: 0, oldestAgeMs: 0 };
  private cpuAtStop = 0;
  private completed = 0;
  private loadCpu = 0;

  constructor(
    private readonly key: string,
    private readonly title: string,
    private readonly offered: number | null,
    private readonly receiver: Receiver,
    private readonly outbox: Outbox,
    private readonly pids: number[],
    private readonly done: (figure: WebhookFigure) => void,
  ) {}

  private cpu(): number {
    return this.pids.reduce((n, pid) => n + cpuSeconds(pid), 0);
  }

  ready(): void {
    this.readyAt = Date.now();
    this.ready0 = this.receiver.stats();
  }

  run(r: LoadRun, last: boolean): void {
    this.completed += r.completed;
    this.loadCpu += r.serverCpuSeconds;
    if (!last) return;
    this.stoppedAt = Date.now();
    this.cpuAtStop = this.cpu();
    this.pendingAtStop = this.outbox.pending(this.stoppedAt);
    this.atStop = this.receiver.stats();
  }

  async finished(): Promise<string[]> {
    if (this.atStop === undefined || this.ready0 === undefined) return ['webhooks: the load did not finish; no webhook figure'];
    const [before, after] = await Promise.all([this.ready0, this.atStop]);
    let drainSeconds: number | null = null;
    while (Date.now() - this.stoppedAt < DRAIN_CAP_MS) {
      if (this.outbox.pending(Date.now()).pending === 0) {
        drainSeconds = (Date.now() - this.stoppedAt) / 1000;
        break;
      }
      await sleep(20);
    }
    const drainCpu = this.cpu() - this.cpuAtStop;
    const [stats, ids] = await Promise.all([this.receiver.stats(), this.receiver.ids()]);
    const totals = this.outbox.totals();
    const loadSeconds = (this.stoppedAt - this.readyAt) / 1000;
    const figure: WebhookFigure = {
      key: this.key,
      title: this.title,
      offered: this.offered,
      loadSeconds,
      deliveriesPerSecond: (after.unique - before.unique) / loadSeconds,
      pendingAtEnd: this.pendingAtStop.pending,
      oldestPendingMsAtEnd: this.pendingAtStop.oldestAgeMs,
      drainSeconds,
      messages: totals.messages,
      deliveries: totals.deliveries,
      requests: stats.requests,
      received: ids.size,
      missing: [...totals.ids].filter((id) => !ids.has(id)).length,
      unexpected: [...ids].filter((id) => !totals.ids.has(id)).length,
      sustainedPerCpu: this.completed / (this.loadCpu + drainCpu),
      notes: [],
    };
    if (totals.ids.size !== totals.deliveries) figure.notes.push(`${totals.deliveries - totals.ids.size} deliveries share a webhook-id`);
    this.done(figure);
    const drained = drainSeconds === null ? `not drained in ${DRAIN_CAP_MS / 1000} s` : `drained ${drainSeconds.toFixed(2)} s after the load`;
    console.log(
      `    webhooks: ${Math.round(figure.deliveriesPerSecond)} deliveries/s during the load, ${figure.pendingAtEnd} pending at its end ` +
        `(oldest ${(figure.oldestPendingMsAtEnd / 1000).toFixed(2)} s), ${drained}; ${figure.received}/${figure.deliveries} received, ${figure.missing} missing`,
    );
    return figure.notes;
  }
}

/** The chat loads of chat_sqlite, each followed by `watch`; returns the pairs they used. */
type Messaging = (servers: PinnedProcess[], client: Client, project: Project, watch: (key: string) => LoadWatch) => Promise<PairSpec[]>;

/**
 * The chat_webhook deployment: endpoint, receiver, the chat loads of chat_sqlite (`messaging`) and the
 * keep-up load (`keepup`), each watched.
 */
export async function webhookDeployment(
  ctx: ChatContext,
  figures: WebhookFigure[],
  deployment: Deployment,
  messaging: Messaging,
  keepup: (servers: PinnedProcess[], pairs: PairSpec[], watch: LoadWatch) => Promise<void>,
): Promise<void> {
  await deployment(
    'SQLite, one process, webhook subscribed',
    1,
    async (servers, client, project, db) => {
      const receiver = await Receiver.start(ctx);
      let outbox: Outbox | undefined;
      try {
        await createEndpoint(ctx.root, db, project, `${receiver.process.url}/hook`);
        outbox = new Outbox(db.file as string);
        const watch = (key: string, title: string, offered: number | null) =>
          new Watch(
            key,
            title,
            offered,
            receiver,
            outbox as Outbox,
            servers.map((s) => s.pid),
            (f) => figures.push(f),
          );
        const pairs = await messaging(servers, client, project, (key) =>
          watch(
            key,
            key.endsWith('/max') ? 'chat as fast as it goes' : `chat at ${ctx.options.rate.toLocaleString('en-US')} msg/s`,
            key.endsWith('/max') ? null : ctx.options.rate,
          ),
        );
        const title = `webhook_keepup: ${KEEPUP.rate.toLocaleString('en-US')} msg/s for ${KEEPUP.timing.runSeconds} s`;
        await keepup(servers, pairs, watch('chat/chat_webhook/keepup', title, KEEPUP.rate));
      } finally {
        outbox?.close();
        await receiver.process.stop();
        const logs = receiver.process.takeLogs();
        if (logs.length > 0) ctx.problems.push(`webhook receiver logged ${logs.length} lines; first: ${logs[0]?.slice(0, 300)}`);
      }
    },
    WEBHOOK_ENV,
  );
}

/** `parley webhook create`, as an operator registers an endpoint (before any event, so no cache holds "none"). */
async function createEndpoint(root: string, db: BenchDatabase, project: Project, url: string): Promise<void> {
  const args = ['bin/parley.js', 'webhook', 'create', '--project', project.projectID, '--url', url, '--events', 'message.sent', '--json', '--database', db.url];
  const { stdout } = await run('node', args, { cwd: root, env: { ...process.env, PARLEY_LOG_LEVEL: 'warn', ...WEBHOOK_ENV } });
  const created = JSON.parse(stdout) as { id?: string };
  if (typeof created.id !== 'string') throw new Error(`parley webhook create answered: ${stdout.slice(0, 300)}`);
  console.log(`  webhook ${created.id} → ${url} (message.sent)`);
}
