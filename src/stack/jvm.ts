/**
 * How the stack's JVMs are launched: the Java binary, bounded heaps, the jar cache as classpath, and a log4j
 * configuration per process so each one logs into its own file under the state dir.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { StackError } from './errors.ts';

export function javaBinary(env: NodeJS.ProcessEnv = process.env): string {
  return env.JAVA_HOME ? path.join(env.JAVA_HOME, 'bin', 'java') : 'java';
}

/** The major version from `java -version` output ("17.0.15", "1.8.0_392" -> 8). */
export function parseJavaMajor(versionOutput: string): number | null {
  const m = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!m) return null;
  const first = Number(m[1]);
  return first === 1 && m[2] ? Number(m[2]) : first;
}

export const MIN_JAVA = 11;

/** Checks that Java runs and is new enough for Kafka 3.9; returns the binary. */
export function requireJava(env: NodeJS.ProcessEnv = process.env): string {
  const java = javaBinary(env);
  const res = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (res.error) {
    const why =
      (res.error as NodeJS.ErrnoException).code === 'ENOENT'
        ? `Java is not installed (${java} not found${env.JAVA_HOME ? ' under JAVA_HOME' : ' on PATH'})`
        : `cannot run ${java}: ${res.error.message}`;
    throw new StackError(
      `${why}; Kafka needs Java ${MIN_JAVA}+ (e.g. apt-get install openjdk-17-jre-headless)`,
      {
        part: 'Java',
      },
    );
  }
  const major = parseJavaMajor(`${res.stderr}${res.stdout}`);
  if (major !== null && major < MIN_JAVA) {
    throw new StackError(`Java ${major} is too old; Kafka 3.9 needs Java ${MIN_JAVA}+ (${java})`, {
      part: 'Java',
    });
  }
  return java;
}

/** A log4j 1.x (reload4j) configuration: everything at INFO into one size-capped file. */
export function log4jProperties(logFile: string, extra: Record<string, string> = {}): string {
  const lines = {
    'log4j.rootLogger': 'INFO, file',
    'log4j.appender.file': 'org.apache.log4j.RollingFileAppender',
    'log4j.appender.file.File': logFile,
    'log4j.appender.file.MaxFileSize': '20MB',
    'log4j.appender.file.MaxBackupIndex': '2',
    'log4j.appender.file.layout': 'org.apache.log4j.PatternLayout',
    'log4j.appender.file.layout.ConversionPattern': '[%d] %p %m (%c)%n',
    ...extra,
  };
  return renderProperties(lines);
}

export function renderProperties(
  entries: Record<string, string | number | boolean>,
  header?: string,
): string {
  const head = header ? `# ${header}\n` : '';
  return (
    head +
    Object.entries(entries)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join('\n') +
    '\n'
  );
}

export interface JvmSpec {
  java: string;
  jarDir: string;
  heap: { max: string; initial?: string };
  log4jFile: string;
  /** -D properties besides log4j (e.g. kafka.logs.dir, the stack marker). */
  properties: Record<string, string>;
  mainClass: string;
  args: string[];
}

export function jvmArgs(spec: JvmSpec): string[] {
  return [
    `-Xmx${spec.heap.max}`,
    ...(spec.heap.initial ? [`-Xms${spec.heap.initial}`] : []),
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${spec.log4jFile}`,
    ...Object.entries(spec.properties).map(([k, v]) => `-D${k}=${v}`),
    '-cp',
    path.join(spec.jarDir, '*'),
    spec.mainClass,
    ...spec.args,
  ];
}
