/** An audit report as a table for people or JSON for scripts, and the progress line (pure). */
import type { AuditProgress, AuditReport } from './run.ts';
import type { TopicReport } from './tally.ts';
import { formatCount as num } from '../../components/format/format.ts';

interface Line {
  label: string;
  value: (t: TopicReport) => number;
  /** Shown only when some topic has a non-zero value. */
  optional?: boolean;
}

const LINES: Line[] = [
  { label: 'messages in Kafka', value: (t) => t.kafka },
  { label: '  persisted (row in MySQL)', value: (t) => t.persisted },
  { label: '  staged by a --replace run', value: (t) => t.staged, optional: true },
  { label: '  taken out by a later --replace', value: (t) => t.replaced, optional: true },
  { label: '  dropped with their --replace run', value: (t) => t.discarded, optional: true },
  { label: '  dead-lettered', value: (t) => t.deadLettered },
  { label: '  pending (sink not there yet)', value: (t) => t.pending },
  { label: '  MISSING', value: (t) => t.missing },
  { label: '  deleted by retention meanwhile', value: (t) => t.goneWhileReading, optional: true },
  { label: 'MySQL rows at these offsets', value: (t) => t.mysqlRows },
  { label: 'MySQL rows gone from Kafka', value: (t) => t.goneFromKafka },
];

const rangeText = (r: AuditReport): string =>
  `${r.from ?? 'start of the log'} .. ${r.to ?? `end of the log (${r.startedAt})`}`;

export function formatTable(report: AuditReport): string {
  const out: string[] = [];
  out.push(`Kafka message time ${rangeText(report)}`);
  const m = report.mysql;
  out.push(
    `MySQL as ${m.user}${m.readOnlyAccount ? ' (read-only account)' : ' (read-only session)'}` +
      `${m.database ? ` on ${m.database}` : ''}${m.note ? `; ${m.note}` : ''}`,
  );
  for (const s of report.skipped) out.push(`skipped: ${s.reason}`);
  out.push('');
  const topics = report.topics;
  const lines = LINES.filter((l) => !l.optional || topics.some((t) => l.value(t) !== 0));
  const labelWidth = Math.max(...lines.map((l) => l.label.length));
  const widths = topics.map((t) => Math.max(t.topic.length, ...lines.map((l) => num(l.value(t)).length)));
  out.push(
    [''.padEnd(labelWidth), ...topics.map((t, i) => t.topic.padStart(widths[i]!))].join('  ').trimEnd(),
  );
  for (const l of lines) {
    out.push(
      [l.label.padEnd(labelWidth), ...topics.map((t, i) => num(l.value(t)).padStart(widths[i]!))].join('  '),
    );
  }
  if (report.deadLetterTopic) {
    out.push('');
    out.push(
      `dead-letter topic ${report.deadLetterTopic.topic}: ${num(report.deadLetterTopic.read)} letters read, ` +
        `${num(report.deadLetterTopic.matching)} for the audited topics`,
    );
  }
  for (const t of topics) {
    if (!t.missing) continue;
    out.push('');
    const shown = t.missingIds.length;
    out.push(
      `missing from ${t.topic} (${shown < t.missing ? `first ${num(shown)} of ${num(t.missing)}; --limit shows more` : num(t.missing)}):`,
    );
    for (const x of t.missingIds) {
      out.push(
        `  ${x.id ?? '(no id)'}  partition ${x.partition} offset ${x.offset}  ${x.timestamp}  ${x.why}`,
      );
    }
  }
  for (const t of topics) {
    if (!t.goneFromKafka) continue;
    out.push('');
    out.push(
      `${num(t.goneFromKafka)} ${t.goneFromKafka === 1 ? 'row' : 'rows'} of ${t.topic} written in the range ${t.goneFromKafka === 1 ? 'is' : 'are'} no longer in Kafka (retention or a recreated topic); ` +
        `they are in MySQL, so nothing is lost${t.goneFromKafkaRows.length ? ', e.g.:' : ''}`,
    );
    for (const r of t.goneFromKafkaRows) {
      out.push(`  ${r.id}  partition ${r.partition} offset ${r.offset}  written ${r.ingestedAt}`);
    }
  }
  out.push('');
  out.push(verdictText(report));
  return `${out.join('\n')}\n`;
}

export function verdictText(report: AuditReport): string {
  const read = report.topics.reduce((n, t) => n + t.kafka, 0);
  const missing = report.topics.reduce((n, t) => n + t.missing, 0);
  const pending = report.topics.reduce((n, t) => n + t.pending, 0);
  if (report.ok) {
    return `OK: all ${num(read)} messages Kafka holds in the range are in MySQL or the dead-letter topic.`;
  }
  const parts: string[] = [];
  if (missing) parts.push(`${num(missing)} missing (the sink went past them and MySQL does not have them)`);
  if (pending) {
    parts.push(
      `${num(pending)} pending (no sink had reached them when the audit began: audit again later, or end --to earlier)`,
    );
  }
  return `NOT OK: of ${num(read)} messages, ${parts.join('; ')}.`;
}

export const formatJson = (report: AuditReport): string => `${JSON.stringify(report, null, 2)}\n`;

export function progressText(p: AuditProgress, now: number): string {
  const seconds = Math.max(0.001, (now - p.startedAt) / 1000);
  const rate = p.read / seconds;
  const share = p.total ? Math.min(100, Math.floor((p.read / p.total) * 100)) : 100;
  const left = p.total - p.read;
  const eta = rate > 0 && left > 0 ? `, about ${formatSeconds(left / rate)} left` : '';
  return (
    `audit: reading ${p.reading}; partitions ${p.partitionsDone}/${p.partitions}; ` +
    `${num(p.read)} of ${num(p.total)} messages (${share}%) at ${num(Math.round(rate))}/s${eta}`
  );
}

function formatSeconds(s: number): string {
  if (s < 60) return `${Math.ceil(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.ceil(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
