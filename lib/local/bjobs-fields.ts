import type { JobRecord } from './record.js';

/** One bjobs -o field: LSF's name, its aliases, its column header and recommended width, its value. */
export interface Field {
  name: string;
  aliases?: string[];
  width: number;
  value: (r: JobRecord, now: number) => string | undefined;
}

const pad2 = (n: number) => String(n).padStart(2, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** bjobs' short time: "Oct 13 10:58" (with the year when LSB_DISPLAY_YEAR=Y). Pure but for the time zone. */
export function shortTime(
  ms: number | undefined,
  year = process.env.LSB_DISPLAY_YEAR?.toUpperCase() === 'Y',
) {
  if (ms === undefined) return undefined;
  const d = new Date(ms);
  const text = `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
  return year ? `${text} ${d.getFullYear()}` : text;
}

const mb = (bytes: number | undefined) =>
  bytes === undefined ? undefined : `${Math.max(0, Math.round(bytes / 1024 / 1024))} Mbytes`;
const seconds = (n: number | undefined) => (n === undefined ? undefined : `${Math.round(n)} second(s)`);
const ended = (r: JobRecord) => r.status === 'DONE' || r.status === 'EXIT';
const host = (r: JobRecord) =>
  r.execHost ? `${r.slots > 1 ? `${r.slots}*` : ''}${r.execHost.split('.')[0]}` : undefined;

/** LSF's bjobs -o fields that the local LSF knows (others are refused by name). */
export const FIELDS: Field[] = [
  { name: 'jobid', aliases: ['id'], width: 7, value: (r) => String(r.id) },
  { name: 'jobindex', width: 8, value: (r) => String(r.index) },
  { name: 'stat', width: 5, value: (r) => r.status },
  { name: 'user', width: 7, value: (r) => r.user },
  { name: 'user_group', aliases: ['ugroup'], width: 15, value: (r) => r.group },
  { name: 'queue', width: 10, value: (r) => r.queue },
  { name: 'job_group', aliases: ['jgroup'], width: 10, value: (r) => r.jobGroup },
  { name: 'job_name', aliases: ['name'], width: 10, value: (r) => r.name },
  { name: 'proj_name', aliases: ['proj', 'project'], width: 11, value: (r) => r.project ?? 'default' },
  { name: 'application', aliases: ['app'], width: 13, value: (r) => r.app },
  { name: 'from_host', width: 11, value: (r) => r.submitHost },
  { name: 'exec_host', width: 11, value: host },
  { name: 'nexec_host', width: 10, value: (r) => (r.execHost ? '1' : undefined) },
  { name: 'exec_cwd', width: 10, value: (r) => (r.startTime ? r.cwd : undefined) },
  { name: 'exec_home', width: 10, value: (r) => (r.startTime ? r.home : undefined) },
  { name: 'sub_cwd', width: 10, value: (r) => r.subcwd },
  { name: 'output_file', width: 17, value: (r) => r.out?.path },
  { name: 'error_file', width: 17, value: (r) => r.err?.path },
  { name: 'input_file', width: 17, value: (r) => r.input },
  { name: 'command', aliases: ['cmd'], width: 15, value: (r) => r.command },
  { name: 'pre_exec_command', aliases: ['pre_cmd'], width: 16, value: (r) => r.preExec },
  { name: 'post_exec_command', aliases: ['post_cmd'], width: 17, value: (r) => r.postExec },
  { name: 'submit_time', width: 15, value: (r) => shortTime(r.submitTime) },
  { name: 'start_time', width: 15, value: (r) => shortTime(r.startTime) },
  { name: 'specified_start_time', aliases: ['sstart_time'], width: 20, value: (r) => shortTime(r.beginTime) },
  { name: 'finish_time', width: 16, value: (r) => shortTime(r.endTime) },
  {
    name: 'pend_time',
    width: 12,
    value: (r, now) =>
      String(Math.round(((r.startTime ?? (ended(r) ? r.endTime! : now)) - r.submitTime) / 1000)),
  },
  {
    name: 'cpu_used',
    width: 10,
    value: (r) => (r.usage ? `${r.usage.cpuSeconds.toFixed(1)} second(s)` : undefined),
  },
  {
    name: 'run_time',
    width: 15,
    value: (r, now) => (r.startTime ? seconds(((r.endTime ?? now) - r.startTime) / 1000) : undefined),
  },
  {
    name: 'time_left',
    width: 11,
    value: (r, now) => {
      if (!r.runLimit || !r.startTime || ended(r)) return undefined;
      const left = Math.max(0, r.runLimit - (now - r.startTime) / 1000);
      return `${Math.floor(left / 3600)}:${pad2(Math.floor((left % 3600) / 60))} L`;
    },
  },
  {
    name: 'runtimelimit',
    width: 12,
    value: (r) => (r.runLimit ? `${(r.runLimit / 60).toFixed(1)} min` : undefined),
  },
  { name: 'slots', width: 5, value: (r) => String(r.slots) },
  { name: 'mem', width: 15, value: (r) => mb(r.usage?.maxMemBytes) },
  { name: 'max_mem', width: 15, value: (r) => mb(r.usage?.maxMemBytes) },
  { name: 'avg_mem', width: 15, value: (r) => mb(r.usage?.avgMemBytes) },
  { name: 'memlimit', width: 15, value: (r) => mb(r.memLimit) },
  { name: 'swap', width: 15, value: (r) => mb(r.usage?.maxSwapBytes) },
  { name: 'nthreads', width: 10, value: (r) => (r.usage ? String(r.usage.maxThreads) : undefined) },
  { name: 'pids', width: 20, value: (r) => (r.jobPid && !ended(r) ? String(r.jobPid) : undefined) },
  {
    name: 'exit_code',
    width: 10,
    value: (r) => (r.status === 'EXIT' && r.exitCode !== undefined ? String(r.exitCode) : undefined),
  },
  {
    name: 'exit_reason',
    width: 50,
    value: (r) => r.exitReason?.replace(/^TERM_\w+: /, '').replace(/\.$/, ''),
  },
  {
    name: 'pend_reason',
    width: 11,
    value: (r) => (r.status === 'PEND' || r.status === 'PSUSP' ? r.pendReason : undefined),
  },
  { name: 'dependency', width: 15, value: (r) => r.dependency },
  { name: 'effective_resreq', aliases: ['eresreq'], width: 17, value: (r) => r.resReq },
  { name: 'job_description', aliases: ['description'], width: 17, value: () => undefined },
];

export const fieldByName = (name: string): Field | undefined =>
  FIELDS.find((f) => f.name === name || f.aliases?.includes(name));
