import { shortTime } from './bjobs-fields.js';
import type { JobRecord } from './record.js';

const HEADER = ['JOBID', 'USER', 'STAT', 'QUEUE', 'FROM_HOST', 'EXEC_HOST', 'JOB_NAME', 'SUBMIT_TIME'];
const WIDTHS = [8, 8, 6, 11, 12, 12, 11, 0];

const short = (h: string) => h.split('.')[0] ?? h;

function row(r: JobRecord, wide: boolean): string[] {
  const name = !wide && r.name.length > 10 ? `*${r.name.slice(-9)}` : r.name;
  const exec = r.execHost ? `${r.slots > 1 ? `${r.slots}*` : ''}${short(r.execHost)}` : '';
  return [String(r.id), r.user, r.status, r.queue, short(r.submitHost), exec, name, shortTime(r.submitTime)!];
}

/**
 * bjobs' default table, as LSF lays it out: fixed columns (a longer value pushes the rest right by
 * one space), a job name longer than 10 shown as *its last 9 characters unless -w; with -p each
 * pending job is followed by its reason.
 */
export function renderBjobsTable(
  records: JobRecord[],
  opts: { wide?: boolean; reasons?: boolean; noHeader?: boolean } = {},
): string {
  const cell = (text: string, w: number) => (w === 0 ? text : text.length >= w ? `${text} ` : text.padEnd(w));
  const line = (cells: string[]) => cells.map((t, i) => cell(t, WIDTHS[i]!)).join('');
  const lines = opts.noHeader ? [] : [line(HEADER)];
  for (const r of records) {
    lines.push(line(row(r, !!opts.wide)));
    if (opts.reasons && (r.status === 'PEND' || r.status === 'PSUSP'))
      lines.push(` ${r.pendReason ?? 'New job is waiting for scheduling'};`);
  }
  return `${lines.join('\n')}\n`;
}
