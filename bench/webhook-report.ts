// The webhook figures of the chat part (bench/chat-webhook.ts): what the outbox and the receiver saw
// around each load, the issue's two webhook targets, and their Markdown section.
import { table } from './markdown.ts';
import type { Target, Verdict } from './report.ts';

/** One load of the chat_webhook deployment, seen from the outbox and the receiver. */
export interface WebhookFigure {
  key: string;
  title: string;
  /** msg/s offered; null: as fast as it goes. */
  offered: number | null;
  /** From the generator's sockets being open to the end of its last window. */
  loadSeconds: number;
  /** Distinct webhook-ids the receiver got during the load, per second. */
  deliveriesPerSecond: number;
  /** Pending deliveries, and the age of the oldest, when the load stopped. */
  pendingAtEnd: number;
  oldestPendingMsAtEnd: number;
  /** From the load stopping to no delivery pending; null when it never came within the cap. */
  drainSeconds: number | null;
  /** Messages stored so far, their message.sent deliveries, distinct webhook-ids among those (all loads so far). */
  messages: number;
  deliveries: number;
  /** What the receiver got so far: requests, distinct webhook-ids. */
  requests: number;
  received: number;
  /** Outbox webhook-ids the receiver never got; ids it got that the outbox does not hold. */
  missing: number;
  unexpected: number;
  /** Messages completed per server CPU-second over the load and the drain after it. */
  sustainedPerCpu: number;
  notes: string[];
}

/** Every stored message announced once and received; nothing received that was not announced. */
export const noLoss = (w: WebhookFigure) =>
  w.drainSeconds !== null && w.missing === 0 && w.unexpected === 0 && w.deliveries === w.messages && w.received === w.deliveries;

const lossWhy = (w: WebhookFigure) =>
  w.drainSeconds === null ? 'never drained' : `${w.missing} not received, ${w.unexpected} unexpected, ${w.messages - w.deliveries} messages without a delivery`;

const NA: Verdict = { value: undefined, shown: 'n/a', status: 'n/a' };

function ratio(value: number | undefined, min: number, problem: string | undefined): Verdict {
  if (value === undefined || !Number.isFinite(value) || value === 0) return NA;
  return { value, shown: `${value.toFixed(2)}×${problem ? ` (${problem})` : ''}`, status: value >= min && problem === undefined ? 'PASS' : 'MISS' };
}

/** What the targets need of a chat figure (bench/chat-report.ts ChatFigure). */
interface ChatThroughput {
  mps: { median: number };
  perCpu: number;
  errors: number;
}

/** `sqlite`, `webhook`: the as-fast-as-it-goes figures of chat_sqlite and chat_webhook from the same run. */
export function webhookTargets(sqlite: ChatThroughput | undefined, webhook: ChatThroughput | undefined, figures: WebhookFigure[]): Target[] {
  const max = figures.find((w) => w.offered === null);
  const keepup = figures.find((w) => w.key.endsWith('/keepup'));
  const errors = (sqlite?.errors ?? 0) + (webhook?.errors ?? 0) > 0;
  const problem = errors ? 'with errors' : max !== undefined && !noLoss(max) ? lossWhy(max) : undefined;
  const both = sqlite !== undefined && webhook !== undefined;
  const list: Target[] = [
    {
      label: 'Chat with a webhook subscribed vs chat_sqlite (per CPU-s: load and drain)',
      required: '≥ 0.85×',
      measured: ratio(both ? webhook.mps.median / sqlite.mps.median : undefined, 0.85, problem),
      perCpu: ratio(both && max !== undefined ? max.sustainedPerCpu / sqlite.perCpu : undefined, 0.85, problem),
    },
  ];
  const kept = keepup === undefined ? undefined : keepup.drainSeconds !== null && keepup.drainSeconds <= 2 && noLoss(keepup);
  list.push({
    label: `Webhook dispatcher keeps up with ${keepup?.offered?.toLocaleString('en-US') ?? '1,000'} msg/s: drained after the load`,
    required: '≤ 2 s, none lost',
    measured:
      keepup === undefined
        ? NA
        : {
            value: keepup.drainSeconds ?? undefined,
            shown: `${keepup.drainSeconds === null ? 'not drained' : `${keepup.drainSeconds.toFixed(2)} s`}${noLoss(keepup) ? '' : ` (${lossWhy(keepup)})`}`,
            status: kept ? 'PASS' : 'MISS',
          },
    perCpu: NA,
  });
  return list;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');

export function webhookSection(figures: WebhookFigure[]): string {
  if (figures.length === 0) return '';
  const rows = figures.map((w) => [
    w.title,
    w.offered === null ? 'as fast as it goes' : int(w.offered),
    `${w.loadSeconds.toFixed(1)} s`,
    int(w.deliveriesPerSecond),
    int(w.pendingAtEnd),
    `${(w.oldestPendingMsAtEnd / 1000).toFixed(2)} s`,
    w.drainSeconds === null ? '**not drained**' : `${w.drainSeconds.toFixed(2)} s`,
    `${int(w.messages)} / ${int(w.deliveries)} / ${int(w.received)}`,
    int(w.requests - w.received),
    noLoss(w) ? 'none' : `**${lossWhy(w)}**`,
    int(w.sustainedPerCpu),
  ]);
  return [
    '### Webhooks: one endpoint subscribed to message.sent',
    '',
    table(
      [
        'load',
        'offered msg/s',
        'load',
        'deliveries/s during load',
        'pending at end',
        'oldest pending at end',
        'drained after',
        'messages / deliveries / received (so far)',
        'repeats',
        'lost',
        'msg per srv CPU-s, load + drain',
      ],
      rows,
    ),
    '',
  ].join('\n');
}

export const webhookLost = (figures: WebhookFigure[]) => figures.some((w) => !noLoss(w));
