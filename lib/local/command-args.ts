import { usageError } from '../kernel/errors.js';

/**
 * The job commands' command lines (bjobs, bkill, bstop, ...) as LSF reads them: long options as
 * whole words (-noheader, -json), one-letter flags bundled (-aw), a one-letter option taking the
 * rest of its word or the next one (-aJ NAME, -Jname, -s 9), and operands (job ids). Options a
 * command does not know are refused by name. Pure.
 */
export interface CommandTable {
  /** Options without a value: '-a', '-noheader'. */
  flags: readonly string[];
  /** Options with a value: '-J', '-o'. */
  values: readonly string[];
}

export interface ParsedCommand {
  flags: Set<string>;
  values: Map<string, string>;
  operands: string[];
}

export function parseCommand(
  command: string,
  argv: string[],
  table: CommandTable,
  usage: string,
): ParsedCommand {
  const out: ParsedCommand = { flags: new Set(), values: new Map(), operands: [] };
  const unknown = (w: string) => usageError(`${command}: unknown option ${w}\n${usage}`);
  const needValue = (o: string) => usageError(`${command} ${o} needs a value\n${usage}`);
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i]!;
    if (w === '--') {
      out.operands.push(...argv.slice(i + 1));
      break;
    }
    if (!w.startsWith('-') || w === '-' || /^-\d/.test(w)) {
      out.operands.push(w);
      continue;
    }
    if (table.flags.includes(w)) {
      out.flags.add(w);
      continue;
    }
    if (table.values.includes(w)) {
      const v = argv[++i];
      if (v === undefined) throw needValue(w);
      out.values.set(w, v);
      continue;
    }
    // A bundle of one-letter options, the last of which may take a value.
    for (let k = 1; k < w.length; k++) {
      const o = `-${w[k]}`;
      if (table.flags.includes(o)) out.flags.add(o);
      else if (table.values.includes(o)) {
        const rest = w.slice(k + 1);
        const v = rest !== '' ? rest : argv[++i];
        if (v === undefined) throw needValue(o);
        out.values.set(o, v);
        break;
      } else throw unknown(k === 1 ? w : `${o} (in ${w})`);
    }
  }
  return out;
}
