/**
 * `--ack-log FILE`: the event id of every passage Kafka acknowledged, appended as each batch is acknowledged.
 * A producer killed with SIGKILL prints no summary, but this file still says which passages Kafka acknowledged up
 * to the kill (each append is a synchronous write), so a check made later and elsewhere (`tollstream soak`) can
 * find any of them that Kafka or MySQL lost. Appending keeps the ids of earlier runs that wrote the same file.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';

export class AckLog {
  private fd: number | null;

  constructor(readonly file: string) {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.fd = openSync(file, 'a', 0o600);
  }

  append(ids: readonly string[]): void {
    if (this.fd === null || !ids.length) return;
    writeSync(this.fd, `${ids.join('\n')}\n`);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
