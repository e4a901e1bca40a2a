import type { JobRecord } from './record.js';
import { lsfTime } from './report.js';

/** bjobs -l's width and the indent of a continued line (the width of "Mon Oct 13 10:58:00: "). */
const WIDTH = 80;
const INDENT = ' '.repeat(21);

/**
 * Wraps "A <x>, B <y>, ..." at WIDTH as bjobs -l does, breaking only between its items (after
 * ", "), so that each "Key <value>" stays on one line for grep. Pure.
 */
export function wrapItems(text: string, width = WIDTH, indent = INDENT): string {
  const items = text.split(/(?<=, )/);
  const lines: string[] = [];
  let current = '';
  for (const item of items) {
    if (current !== '' && (current + item).trimEnd().length > width - 1) {
      lines.push(current.trimEnd());
      current = indent;
    }
    current += item;
  }
  lines.push(current.trimEnd());
  return lines.join('\n');
}

const label = (r: JobRecord) => (r.index > 0 ? `${r.id}[${r.index}]` : String(r.id));
const stamp = (ms: number) =>
  `${lsfTime(ms, { year: process.env.LSB_DISPLAY_YEAR?.toUpperCase() === 'Y' })}:`;

function head(r: JobRecord): string[] {
  const parts = [
    `Job <${label(r)}>`,
    `Job Name <${r.name}>`,
    `User <${r.user}>`,
    `Project <${r.project ?? 'default'}>`,
    ...(r.app ? [`Application <${r.app}>`] : []),
    ...(r.jobGroup ? [`Job Group <${r.jobGroup}>`] : []),
    `Status <${r.status}>`,
    `Queue <${r.queue}>`,
    `Command <${r.command}>`,
  ];
  const sub = [
    `Submitted from host <${r.submitHost}>`,
    `CWD <${r.subcwd}>`,
    ...(r.out ? [`Output File <${r.out.path}>`] : []),
    ...(r.err ? [`Error File <${r.err.path}>`] : []),
    ...(r.input ? [`Input File <${r.input}>`] : []),
    ...(r.slots > 1 ? [`${r.slots} Task(s)`] : []),
    ...(r.exclusive ? ['Exclusive Execution'] : []),
    ...(r.resReq ? [`Requested Resources <${r.resReq}>`] : []),
    ...(r.dependency ? [`Dependency Condition <${r.dependency}>`] : []),
    ...(r.preExec ? [`Pre-execute Command <${r.preExec}>`] : []),
    ...(r.postExec ? [`Post-execute Command <${r.postExec}>`] : []),
  ];
  const lines = ['', wrapItems(parts.join(', ')), wrapItems(`${stamp(r.submitTime)} ${sub.join(', ')};`)];
  if (r.beginTime)
    lines.push(wrapItems(`${stamp(r.submitTime)} Job will be scheduled after ${lsfTime(r.beginTime)};`));
  if (r.runLimit) lines.push('', ' RUNLIMIT', ` ${(r.runLimit / 60).toFixed(1)} min`);
  if (r.memLimit) lines.push('', ' MEMLIMIT', ` ${Math.round(r.memLimit / 1024 / 1024)} M`);
  return lines;
}

function history(r: JobRecord): string[] {
  const lines: string[] = [];
  if (r.startTime) {
    const at = `Host(s) <${r.execHost}>`;
    lines.push(
      wrapItems(
        `${stamp(r.startTime)} Started ${r.slots} Task(s) on ${at}, Allocated ${r.slots} Slot(s) on ${at}, Execution Home <${r.home}>, Execution CWD <${r.cwd}>;`,
      ),
    );
  }
  if (r.endTime) {
    const cpu = `The CPU time used is ${(r.usage?.cpuSeconds ?? 0).toFixed(1)} seconds.`;
    if (r.status === 'DONE') lines.push(`${stamp(r.endTime)} Done successfully. ${cpu}`);
    else if (r.exitCode !== undefined)
      lines.push(`${stamp(r.endTime)} Exited with exit code ${r.exitCode}. ${cpu}`);
    else lines.push(`${stamp(r.endTime)} Exited. ${cpu}`);
    if (r.exitReason) lines.push(wrapItems(`${stamp(r.endTime)} Completed <exit>; ${r.exitReason}`));
    if (r.failure) lines.push(wrapItems(`${stamp(r.endTime)} ${r.failure}`));
  }
  return lines;
}

function usage(r: JobRecord): string[] {
  const u = r.usage;
  if (!u) return [];
  const m = (b: number | undefined) => `${Math.round((b ?? 0) / 1024 / 1024)} Mbytes`;
  return [
    '',
    ' MEMORY USAGE:',
    ` MAX MEM: ${m(u.maxMemBytes)};  AVG MEM: ${m(u.avgMemBytes ?? u.maxMemBytes)}`,
    ` NPROCS: ${u.maxProcesses};  NTHREADS: ${u.maxThreads}`,
  ];
}

/** bjobs -l for one element, in LSF's layout (no year unless LSB_DISPLAY_YEAR=Y; wrapped at 80). */
export function renderBjobsLong(r: JobRecord): string {
  const out = [...head(r)];
  if (r.status === 'PEND' || r.status === 'PSUSP')
    out.push(' PENDING REASONS:', ` ${r.pendReason ?? 'New job is waiting for scheduling'};`);
  out.push(...history(r), ...usage(r));
  return `${out.join('\n')}\n`;
}
