import { usageError } from '../kernel/errors.js';
import { FIELDS, type Field, fieldByName } from './bjobs-fields.js';
import type { JobRecord } from './record.js';

/**
 * bjobs -o "FIELD[:[-][WIDTH]] ... [delimiter='C']": which fields, in which order, how wide
 * (none: as wide as needed; `:` alone: the recommended width; a width truncates, a job name from
 * the front with a *), right-justified with `-`. `all` is every field. Pure.
 */
export interface Column {
  field: Field;
  header: string;
  width?: number;
  right: boolean;
}

export interface Format {
  columns: Column[];
  delimiter?: string;
}

export function parseFormat(text: string): Format {
  const delimiter = /\bdelimiter\s*=\s*'([^']*)'/.exec(text)?.[1];
  const rest = text.replace(/\bdelimiter\s*=\s*'[^']*'/, ' ');
  const columns: Column[] = [];
  for (const token of rest.split(/\s+/).filter(Boolean)) {
    const [name, spec, unit] = token.split(':');
    if (unit !== undefined && unit !== '' && !/^[KMGTPE]B?$/i.test(unit))
      throw usageError(`bjobs -o: "${token}": "${unit}" is not a unit prefix (KB, MB, GB, ...)`);
    const fields = name === 'all' ? FIELDS : [fieldByName(name!.toLowerCase())];
    if (!fields[0]) throw usageError(`bjobs -o: "${name}" is not a field the local LSF knows`);
    const m = /^(-)?(\d*)$/.exec(spec ?? '');
    if (spec !== undefined && !m) throw usageError(`bjobs -o: "${token}": want FIELD[:[-][WIDTH]]`);
    for (const field of fields as Field[]) {
      const width = spec === undefined ? undefined : m![2] ? Number(m![2]) : field.width;
      columns.push({ field, header: field.name.toUpperCase(), width, right: m?.[1] === '-' });
    }
  }
  if (columns.length === 0) throw usageError('bjobs -o: no fields given');
  return { columns, delimiter };
}

function cut(text: string, column: Column): string {
  const w = column.width;
  if (w === undefined || text.length <= w) return text;
  return column.field.name === 'job_name' ? `*${text.slice(text.length - w + 1)}` : text.slice(0, w);
}

/** The rows of a -o table (the header first unless NOHEADER), as LSF lays them out. */
export function renderFormat(
  records: JobRecord[],
  format: Format,
  noHeader: boolean,
  now = Date.now(),
): string {
  const cells = records.map((r) => format.columns.map((c) => cut(c.field.value(r, now) ?? '-', c)));
  const header = format.columns.map((c) => cut(c.header, c));
  const rows = noHeader ? cells : [header, ...cells];
  if (format.delimiter !== undefined) return rows.map((row) => `${row.join(format.delimiter)}\n`).join('');
  const widths = format.columns.map((c, i) => c.width ?? Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => (format.columns[i]!.right ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join(' ')
      .trimEnd();
  return rows.map((row) => `${line(row)}\n`).join('');
}

/** bjobs -o ... -json: LSF's object, every value a string ("" for none). */
export function renderJson(records: JobRecord[], format: Format, now = Date.now()): string {
  const RECORDS = records.map((r) =>
    Object.fromEntries(format.columns.map((c) => [c.header, c.field.value(r, now) ?? ''])),
  );
  return `${JSON.stringify({ COMMAND: 'bjobs', JOBS: records.length, RECORDS }, null, 2)}\n`;
}
