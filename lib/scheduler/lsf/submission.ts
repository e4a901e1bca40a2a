import { usageError } from '../../kernel/errors.js';
import { type BsubArgs, parseLimit } from './bsub-options.js';
import type { SubmissionParameter } from './contract.js';

/** The esubs' parameter file: LSB_SUB_* names (scheduler/lsf/contract.ts SUBMISSION) to values. */
export type Parameters = Map<string, string>;

/** The LSB_SUB_* parameters of a submission, as the esubs read them. */
export function parametersOf(args: BsubArgs, submitHost: string, env = process.env): Parameters {
  const p: Parameters = new Map();
  const set = (k: SubmissionParameter, v: string | undefined) => v !== undefined && p.set(k, v);
  set('LSB_SUB_QUEUE', args.queue);
  set('LSB_SUB_APP_NAME', args.app);
  set('LSB_SUB_USER_GROUP', args.group);
  set('LSB_SUB_JOB_NAME', args.jobName);
  set('LSB_SUB_OUT_FILE', args.out?.path);
  if (args.out?.overwrite) set('LSB_SUB2_OVERWRITE_OUT_FILE', 'Y');
  set('LSB_SUB_ERR_FILE', args.err?.path);
  if (args.err?.overwrite) set('LSB_SUB2_OVERWRITE_ERR_FILE', 'Y');
  if (args.resReq.length) set('LSB_SUB_RES_REQ', args.resReq.join(' '));
  set('LSB_SUB_NUM_PROCESSORS', String(args.slots));
  set('LSB_SUB_MAX_NUM_PROCESSORS', String(args.slots));
  set('LSB_SUB_RLIMIT_RSS', args.memLimit !== undefined ? String(rssKilobytes(args.memLimit)) : undefined);
  if (args.interactive) set('LSB_SUB_INTERACTIVE', 'Y');
  if (args.interactive === 'Ip' || args.interactive === 'Is') set('LSB_SUB_PTY', 'Y');
  if (args.interactive === 'Is') set('LSB_SUB_PTY_SHELL', 'Y');
  set('LSB_SUB4_GPU_REQ', args.gpu);
  set('LSB_SUB_CWD', args.cwd);
  if (args.apps.length) set('LSB_SUB_ADDITIONAL', args.apps.join(' '));
  if ((env.LSB_SUB_COMMANDNAME ?? '').toUpperCase() === 'Y')
    set('LSB_SUB_COMMAND_LINE', args.command.join(' '));
  set('LSB_SUB_HOST', submitHost);
  return p;
}

function rssKilobytes(memLimit: string): number {
  const bytes = parseLimit(memLimit, 'KB');
  if (bytes === undefined)
    throw usageError(`bsub -M "${memLimit}": not a memory limit (e.g. 4096, 4G, 512MB)`);
  return Math.ceil(bytes / 1024);
}

/** Reads a submission back from the parameters the esubs may have changed. */
export function submissionFrom(parm: Parameters, args: BsubArgs): BsubArgs {
  const get = (k: SubmissionParameter) => parm.get(k);
  const rss = get('LSB_SUB_RLIMIT_RSS');
  const n = get('LSB_SUB_NUM_PROCESSORS');
  const outPath = get('LSB_SUB_OUT_FILE');
  const errPath = get('LSB_SUB_ERR_FILE');
  const line = get('LSB_SUB_COMMAND_LINE');
  const resReq = get('LSB_SUB_RES_REQ');
  return {
    ...args,
    queue: get('LSB_SUB_QUEUE'),
    app: get('LSB_SUB_APP_NAME'),
    group: get('LSB_SUB_USER_GROUP'),
    jobName: get('LSB_SUB_JOB_NAME'),
    out: outPath ? { path: outPath, overwrite: get('LSB_SUB2_OVERWRITE_OUT_FILE') === 'Y' } : undefined,
    err: errPath ? { path: errPath, overwrite: get('LSB_SUB2_OVERWRITE_ERR_FILE') === 'Y' } : undefined,
    resReq: resReq ? [resReq] : [],
    slots: n && /^\d+$/.test(n) && Number(n) > 0 ? Number(n) : args.slots,
    memLimit: rss && /^\d+$/.test(rss) ? rss : undefined,
    gpu: get('LSB_SUB4_GPU_REQ'),
    cwd: get('LSB_SUB_CWD'),
    command: line !== undefined && line !== args.command.join(' ') ? [line] : args.command,
  };
}
