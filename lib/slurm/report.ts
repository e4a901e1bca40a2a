import type { SlurmJobRecord } from '../scheduler/slurm/states.js';
import { jobLabel, outputFileOf } from './jobs.js';

/** LSF's time format: "Thu Jan  4 10:02:03 2024" (as lib/local/report.ts writes it). */
export function lsfTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  const day = d.toLocaleString('en-US', { weekday: 'short' });
  const month = d.toLocaleString('en-US', { month: 'short' });
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${day} ${month} ${String(d.getDate()).padStart(2, ' ')} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${d.getFullYear()}`;
}

/** The element's name as LSF shows it: NAME, or NAME[INDEX] for an array element. */
export const elementName = (r: SlurmJobRecord) => (r.index > 0 ? `${r.name}[${r.index}]` : r.name);

/** Where the job runs: N*NODE on one node, Slurm's compact list over several. */
export function execHost(r: SlurmJobRecord): string {
  if (r.nodes.length === 0 || r.state === 'PEND') return '';
  if (r.nodes.length > 1) return r.nodeList;
  return `${(r.cpus ?? 1) > 1 ? `${r.cpus}*` : ''}${r.nodes[0]}`;
}

/** bjobs' table (LSF's default format); FROM_HOST is "-": Slurm does not keep the submission host. */
export function renderBjobsTable(records: SlurmJobRecord[]): string {
  const header = ['JOBID', 'USER', 'STAT', 'QUEUE', 'FROM_HOST', 'EXEC_HOST', 'JOB_NAME', 'SUBMIT_TIME'];
  const widths = [8, 8, 6, 11, 12, 12, 11, 0];
  const cell = (text: string, w: number) => (w === 0 ? text : text.length >= w ? `${text} ` : text.padEnd(w));
  const lines = [header.map((h, i) => cell(h, widths[i]!)).join('')];
  for (const r of records) {
    const d = new Date((r.submitTime ?? 0) * 1000);
    const submit = `${d.toLocaleString('en-US', { month: 'short' })} ${String(d.getDate()).padStart(2, ' ')} ${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
    const full = elementName(r);
    const name = full.length > 10 ? `*${full.slice(-9)}` : full;
    lines.push(
      [String(r.id), r.user, r.state, r.partition, '-', execHost(r), name, submit]
        .map((t, i) => cell(t, widths[i]!))
        .join(''),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** How an element ended, in LSF's words. */
export function endLine(r: SlurmJobRecord): string {
  const why = r.exitReason ? ` (${r.exitReason})` : '';
  if (r.state === 'DONE' && r.exitCode === 0) return 'Done successfully.';
  if (r.exitCode === undefined) return `Exited${why}.`;
  return `Exited with exit code ${r.exitCode}.${why}`;
}

/** bjobs -l for one element. */
export function renderBjobsLong(r: SlurmJobRecord): string {
  const out: string[] = [''];
  const slots = r.cpus ?? 1;
  out.push(
    `Job <${jobLabel(r)}>, Job Name <${elementName(r)}>, User <${r.user}>, Project <default>, Status <${r.state}>, Queue <${r.partition}>`,
  );
  const output = outputFileOf(r) ?? r.stdoutPath;
  const files = `${output ? `, Output File <${output}>` : ''}${r.stderrPath ? `, Error File <${r.stderrPath}>` : ''}`;
  const submitted = r.submitTime ? `${lsfTime(r.submitTime)}: ` : '';
  out.push(
    `${submitted}Submitted to cluster <${r.cluster ?? 'slurm'}>, CWD <${r.workDir ?? '-'}>${files}${slots > 1 ? `, ${slots} Task(s)` : ''};`,
  );
  if (r.state === 'PEND') out.push(` PENDING REASONS:\n ${r.reason ?? 'Job is waiting for resources'};`);
  if (r.startTime && r.nodes.length > 0) {
    const hosts = r.nodes.join(' ');
    out.push(
      `${lsfTime(r.startTime)}: Started ${slots} Task(s) on Host(s) <${hosts}>, Allocated ${slots} Slot(s) on Host(s) <${hosts}>, Execution CWD <${r.workDir ?? '-'}>;`,
    );
  }
  if (r.endTime && (r.state === 'DONE' || r.state === 'EXIT'))
    out.push(`${lsfTime(r.endTime)}: ${endLine(r)}`);
  out.push(
    ` SLURM: job ${r.slurmId}, state ${r.slurmState.join('+')}${r.reason ? `, reason ${r.reason}` : ''}`,
  );
  return `${out.join('\n')}\n`;
}
