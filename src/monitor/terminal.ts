/**
 * The alternate screen, by hand (Ink 6 has no option for it). Entering and leaving are idempotent and leaving
 * writes synchronously, so it also works from an 'exit' handler or after a crash, when no event loop is left.
 */
import { writeSync } from 'node:fs';

const ENTER = '\x1b[?1049h\x1b[2J\x1b[H';
const LEAVE = '\x1b[?25h\x1b[?1049l';

export interface Screen {
  readonly active: boolean;
  enter(): void;
  /** Leaves the alternate screen, shows the cursor and takes stdin out of raw mode. */
  restore(): void;
}

export function alternateScreen(
  stdout: NodeJS.WriteStream = process.stdout,
  stdin: NodeJS.ReadStream = process.stdin,
): Screen {
  let active = false;
  return {
    get active() {
      return active;
    },
    enter() {
      if (active) return;
      active = true;
      stdout.write(ENTER);
    },
    restore() {
      if (!active) return;
      active = false;
      try {
        if (stdin.isTTY && stdin.isRaw) stdin.setRawMode(false);
      } catch {
        // stdin may already be closed; the screen still has to come back.
      }
      const fd = (stdout as { fd?: number }).fd;
      if (typeof fd === 'number') writeSync(fd, LEAVE);
      else stdout.write(LEAVE);
    },
  };
}
