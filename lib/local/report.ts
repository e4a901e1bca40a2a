import { LOCAL_CLUSTER } from './job-env.js';
import type { JobRecord } from './record.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** LSF's time format: "Thu Jan  4 10:02:03 2024" (bjobs -l leaves the year out). */
export function lsfTime(ms: number, opts: { year?: boolean } = {}): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  const text = `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return opts.year === false ? text : `${text} ${d.getFullYear()}`;
}

/**
 * How the job ended, in LSF's words: the TERM_ reason on a line of its own (pipelines grep
 * ^TERM_OWNER:), then "Successfully completed." or "Exited with exit code N.".
 */
export function endLines(record: JobRecord): string[] {
  const term = record.exitReason ? [record.exitReason] : [];
  if (record.exitCode === 0) return [...term, 'Successfully completed.'];
  if (record.exitCode === undefined) return [...term, 'Exited.'];
  return [...term, `Exited with exit code ${record.exitCode}.`];
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
  const mb = (b: number) => `${Math.max(0, b / 1024 / 1024).toFixed(2)} MB`;
  const delta = u && record.memLimit ? mb(record.memLimit - u.maxMemBytes) : '-';
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
    ...(record.failure ? [`lsf-docker: ${record.failure}`] : []),
    '',
    'Your job looked like:',
    '',
    '------------------------------------------------------------',
    '# LSBATCH: User input',
    record.command,
    '------------------------------------------------------------',
    '',
    ...endLines(record),
    '',
    'Resource usage summary:',
    '',
    row('CPU time', `${(u?.cpuSeconds ?? 0).toFixed(2)} sec.`),
    row('Max Memory', u ? mb(u.maxMemBytes) : '-'),
    row('Average Memory', u ? mb(u.avgMemBytes ?? u.maxMemBytes) : '-'),
    row('Total Requested Memory', record.memLimit ? mb(record.memLimit) : '-'),
    row('Delta Memory', delta),
    row('Max Swap', u?.maxSwapBytes ? mb(u.maxSwapBytes) : '-'),
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
