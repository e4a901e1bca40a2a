import { LOCAL_CLUSTER } from './job-env.js';
import type { JobRecord } from './record.js';

/** LSF's time format: "Thu Jan  4 10:02:03 2024". */
export function lsfTime(ms: number): string {
  const d = new Date(ms);
  const day = d.toLocaleString('en-US', { weekday: 'short' });
  const month = d.toLocaleString('en-US', { month: 'short' });
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${day} ${month} ${String(d.getDate()).padStart(2, ' ')} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${d.getFullYear()}`;
}

/** How the job ended, in LSF's words. */
export function endLine(record: JobRecord): string {
  if (record.exitCode === 0) return 'Successfully completed.';
  if (record.exitCode === undefined) return `Exited${record.exitReason ? ` (${record.exitReason})` : ''}.`;
  return `Exited with exit code ${record.exitCode}.${record.exitReason ? ` (${record.exitReason})` : ''}`;
}

const SUMMARY_WIDTH = 49;
const row = (label: string, value: string) => `    ${`${label} :`.padEnd(SUMMARY_WIDTH - 4)}${value}`;

/**
 * The -o file's text as LSF's sbatchd writes it: the mail-style header, the job's command, how it
 * ended, the resource usage summary, then the output. ERR_FILE is named in the PS when stderr went
 * elsewhere.
 */
export function renderOutputFile(record: JobRecord, output: string, errFile: string | undefined): string {
  const start = record.startTime ?? record.submitTime;
  const end = record.endTime ?? Date.now();
  const u = record.usage;
  const runSeconds = Math.max(0, Math.round((end - start) / 1000));
  const turnaround = Math.max(0, Math.round((end - record.submitTime) / 1000));
  const status = record.exitCode === 0 ? 'Done' : 'Exited';
  const mb = (b: number) => `${Math.max(0, Math.round(b / 1024 / 1024))} MB`;
  const lines = [
    `Sender: LSF System <lsfadmin@${record.execHost ?? record.submitHost}>`,
    `Subject: Job ${record.index > 0 ? `${record.id}[${record.index}]` : record.id}: <${record.name}> in cluster <${LOCAL_CLUSTER}> ${status}`,
    '',
    `Job <${record.name}> was submitted from host <${record.submitHost}> by user <${record.user}> in cluster <${LOCAL_CLUSTER}> at ${lsfTime(record.submitTime)}`,
    `Job was executed on host(s) <${record.slots > 1 ? `${record.slots}*` : ''}${record.execHost ?? record.submitHost}>, in queue <${record.queue}>, as user <${record.user}> in cluster <${LOCAL_CLUSTER}> at ${lsfTime(start)}`,
    `<${record.home}> was used as the home directory.`,
    `<${record.cwd}> was used as the working directory.`,
    `Started at ${lsfTime(start)}`,
    `Terminated at ${lsfTime(end)}`,
    `Results reported at ${lsfTime(end)}`,
    '',
    'Your job looked like:',
    '',
    '------------------------------------------------------------',
    '# LSBATCH: User input',
    record.command,
    '------------------------------------------------------------',
    '',
    endLine(record),
    '',
    'Resource usage summary:',
    '',
    row('CPU time', `${(u?.cpuSeconds ?? 0).toFixed(2)} sec.`),
    row('Max Memory', u ? mb(u.maxMemBytes) : '-'),
    row('Total Requested Memory', record.memLimit ? mb(record.memLimit) : '-'),
    row('Max Processes', u ? String(u.maxProcesses) : '-'),
    row('Max Threads', u ? String(u.maxThreads) : '-'),
    row('Run time', `${runSeconds} sec.`),
    row('Turnaround time', `${turnaround} sec.`),
    '',
    'The output (if any) follows:',
    '',
  ];
  let text = `${lines.join('\n')}\n${output}`;
  if (output !== '' && !output.endsWith('\n')) text += '\n';
  if (errFile) text += `\n\nPS:\n\nRead file <${errFile}> for stderr output of this job.\n\n`;
  return text;
}

/** bjobs' table (default format). */
export function renderBjobsTable(records: JobRecord[]): string {
  const header = ['JOBID', 'USER', 'STAT', 'QUEUE', 'FROM_HOST', 'EXEC_HOST', 'JOB_NAME', 'SUBMIT_TIME'];
  const widths = [8, 8, 6, 11, 12, 12, 11, 0];
  const cell = (text: string, w: number) => (w === 0 ? text : text.length >= w ? `${text} ` : text.padEnd(w));
  const short = (h: string) => h.split('.')[0] ?? h;
  const lines = [header.map((h, i) => cell(h, widths[i]!)).join('')];
  for (const r of records) {
    const d = new Date(r.submitTime);
    const submit = `${d.toLocaleString('en-US', { month: 'short' })} ${String(d.getDate()).padStart(2, ' ')} ${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
    const name = r.name.length > 10 ? `*${r.name.slice(-9)}` : r.name;
    const exec = r.execHost ? `${r.slots > 1 ? `${r.slots}*` : ''}${short(r.execHost)}` : '';
    lines.push(
      [String(r.id), r.user, r.status, r.queue, short(r.submitHost), exec, name, submit]
        .map((t, i) => cell(t, widths[i]!))
        .join(''),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** bjobs -l for one job. */
export function renderBjobsLong(r: JobRecord): string {
  const out: string[] = [];
  out.push('');
  out.push(
    `Job <${r.index > 0 ? `${r.id}[${r.index}]` : r.id}>, Job Name <${r.name}>, User <${r.user}>, Project <default>, ${r.app ? `Application <${r.app}>, ` : ''}Status <${r.status}>, Queue <${r.queue}>, Command <${r.command}>`,
  );
  out.push(
    `${lsfTime(r.submitTime)}: Submitted from host <${r.submitHost}>, CWD <${r.subcwd}>${r.out ? `, Output File <${r.out.path}>` : ''}${r.err ? `, Error File <${r.err.path}>` : ''}${r.slots > 1 ? `, ${r.slots} Task(s)` : ''}${r.resReq ? `, Requested Resources <${r.resReq}>` : ''};`,
  );
  if (r.status === 'PEND')
    out.push(` PENDING REASONS:\n ${r.pendReason ?? 'Job is waiting for a free slot'};`);
  if (r.startTime) {
    out.push(
      `${lsfTime(r.startTime)}: Started ${r.slots} Task(s) on Host(s) <${r.execHost}>, Allocated ${r.slots} Slot(s) on Host(s) <${r.execHost}>, Execution Home <${r.home}>, Execution CWD <${r.cwd}>;`,
    );
  }
  if (r.endTime) {
    const cpu = `The CPU time used is ${(r.usage?.cpuSeconds ?? 0).toFixed(1)} seconds.`;
    if (r.exitCode === 0) out.push(`${lsfTime(r.endTime)}: Done successfully. ${cpu}`);
    else if (r.exitCode !== undefined)
      out.push(`${lsfTime(r.endTime)}: Exited with exit code ${r.exitCode}. ${cpu}`);
    else out.push(`${lsfTime(r.endTime)}: Exited${r.exitReason ? `; ${r.exitReason}` : ''}. ${cpu}`);
    if (r.exitReason) out.push(`${lsfTime(r.endTime)}: ${r.exitReason}.`);
  }
  if (r.usage) {
    out.push(
      ` MAX MEM: ${Math.round(r.usage.maxMemBytes / 1024 / 1024)} Mbytes;  NPROCS: ${r.usage.maxProcesses};  NTHREADS: ${r.usage.maxThreads}`,
    );
  }
  return `${out.join('\n')}\n`;
}
