/** One failure of the stack launcher, with what `stack` prints: the part that failed and the log to read. */
export class StackError extends Error {
  /** What failed, as a person names it: "ZooKeeper", "broker 1 (127.0.0.1:9093)", "MySQL", "jars". */
  readonly part: string;
  readonly logFile: string | undefined;
  /** The last meaningful lines of `logFile`, when there is one. */
  readonly logTail: string[];
  readonly exitCode: 1 | 2;

  constructor(
    message: string,
    options: { part: string; logFile?: string; logTail?: string[]; exitCode?: 1 | 2; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.name = 'StackError';
    this.part = options.part;
    this.logFile = options.logFile;
    this.logTail = options.logTail ?? [];
    this.exitCode = options.exitCode ?? 1;
  }
}
