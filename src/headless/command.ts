import type { CommandContext } from '../cli/main.ts';

// Placeholder until this command lands; it refuses rather than pretending to work.
export async function runHeadlessCommand(_ctx: CommandContext): Promise<number> {
  process.stderr.write('tollstream: this command is not available yet\n');
  return 2;
}
