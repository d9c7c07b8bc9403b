/**
 * The box's CPU split from /proc: CPU time of tollstream's process, the broker JVMs, ZooKeeper and MariaDB, and of
 * the whole machine, as shares of the box's total CPU (all cores) over an interval. Parsing and arithmetic are pure;
 * `readCpuSample` reads the files. All times are in clock ticks (USER_HZ), the unit of both /proc/stat and
 * /proc/<pid>/stat, so no conversion is needed for the percentages.
 */
import { readFileSync, readdirSync } from 'node:fs';

/** utime + stime of one process (its threads included), from a /proc/<pid>/stat line. */
export function parsePidStat(text: string): { comm: string; ticks: number } | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  // After the parenthesised name (which may hold spaces): field 3 (state) onwards; utime and stime are 14 and 15.
  const fields = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime) || fields.length < 13) return null;
  return { comm: text.slice(open + 1, close), ticks: utime + stime };
}

/** The aggregate "cpu" line of /proc/stat: total ticks of all cores and the busy part (all but idle and iowait). */
export function parseProcStat(text: string): { total: number; busy: number; cores: number } | null {
  const lines = text.split('\n');
  const cpu = lines.find((l) => /^cpu\s/.test(l));
  if (!cpu) return null;
  // user nice system idle iowait irq softirq steal [guest guest_nice]; guest time is already counted in user/nice.
  const v = cpu.trim().split(/\s+/).slice(1, 9).map(Number);
  if (v.length < 4 || v.some((x) => !Number.isFinite(x))) return null;
  const total = v.reduce((a, b) => a + b, 0);
  const idle = v[3]! + (v[4] ?? 0);
  const cores = lines.filter((l) => /^cpu\d+\s/.test(l)).length;
  return { total, busy: total - idle, cores: cores || 1 };
}

export type CpuPart = 'tollstream' | 'kafka' | 'zookeeper' | 'mariadb';

export interface CpuSample {
  machine: { total: number; busy: number; cores: number } | null;
  /** Ticks per part, summed over its processes; null when none of its processes could be read. */
  parts: Record<CpuPart, number | null>;
}

export interface CpuSplit {
  cores: number;
  /** Each part's share of the box's total CPU (100 % = every core busy), null when unknown. */
  percent: Record<CpuPart | 'other' | 'machine', number | null>;
}

const PARTS: CpuPart[] = ['tollstream', 'kafka', 'zookeeper', 'mariadb'];

/** Shares of the box between two samples; "other" is the machine's busy time no named part accounts for. */
export function cpuSplit(before: CpuSample, after: CpuSample): CpuSplit | null {
  if (!before.machine || !after.machine) return null;
  const total = after.machine.total - before.machine.total;
  if (total <= 0) return null;
  const pct = (ticks: number): number => (100 * ticks) / total;
  const percent = {} as CpuSplit['percent'];
  let named = 0;
  for (const p of PARTS) {
    const a = after.parts[p];
    const b = before.parts[p];
    // A process that restarted in between has fewer ticks: unknown, not negative.
    percent[p] = a === null || b === null || a < b ? null : pct(a - b);
    named += percent[p] ?? 0;
  }
  percent.machine = pct(after.machine.busy - before.machine.busy);
  percent.other = Math.max(0, percent.machine - named);
  return { cores: after.machine.cores, percent };
}

function read(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** PIDs whose command name (/proc/<pid>/comm) is `comm`. */
export function pidsByComm(comm: string, procDir = '/proc'): number[] {
  let entries: string[];
  try {
    entries = readdirSync(procDir);
  } catch {
    return [];
  }
  return entries.filter((e) => /^\d+$/.test(e) && read(`${procDir}/${e}/comm`)?.trim() === comm).map(Number);
}

function ticksOf(pids: readonly number[]): number | null {
  let sum = 0;
  let seen = 0;
  for (const pid of pids) {
    const stat = read(`/proc/${pid}/stat`);
    const parsed = stat ? parsePidStat(stat) : null;
    if (parsed) {
      sum += parsed.ticks;
      seen++;
    }
  }
  return seen ? sum : null;
}

export interface CpuPids {
  kafka: number[];
  zookeeper: number[];
  mariadb: number[];
}

export function readCpuSample(pids: CpuPids): CpuSample {
  const stat = read('/proc/stat');
  return {
    machine: stat ? parseProcStat(stat) : null,
    parts: {
      tollstream: ticksOf([process.pid]),
      kafka: ticksOf(pids.kafka),
      zookeeper: ticksOf(pids.zookeeper),
      mariadb: ticksOf(pids.mariadb),
    },
  };
}

/** CPU microseconds (user + system) of this process since `since` (a process.cpuUsage() reading). */
export function cpuMicros(since?: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return u.user + u.system;
}
