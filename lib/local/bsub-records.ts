import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { hostGpuIndexes } from '../host/gpus.js';
import { usageError } from '../kernel/errors.js';
import { memoryLimitProblem } from '../request/hints.js';
import {
  type BsubArgs,
  type JobNameSpec,
  parseGpuCount,
  parseJobName,
  parseLimit,
  parseResReq,
} from '../scheduler/lsf/bsub-options.js';
import { hostsAllow, parseBeginTime, parseRunLimit } from '../scheduler/lsf/bsub-values.js';
import { type Local, shortHost } from './context.js';
import { dependencyRefs, parseDependency, refMatches } from './dependency.js';
import { REASONS } from './dispatch-plan.js';
import { allocateJobId } from './job-id-alloc.js';
import { type HeldLock, tryLock } from './lock.js';
import { canMail, SENDMAIL } from './mail.js';
import { type JobRecord, jobPaths, listRecords, writeRecord } from './record.js';

export const DEFAULT_QUEUE = 'normal';
const PROFILES = new Set(['docker', 'docker_build', 'docker_exec']);
const CONTAINER_PROFILES = new Set(['docker', 'docker_exec']);

/** -w: parsed, and every job it names is one of the user's. */
function checkDependency(text: string, local: Local): void {
  const node = parseDependency(text);
  const jobs = listRecords(local.dirs).map((r) => ({ ...r, status: r.status }));
  for (const ref of dependencyRefs(node)) {
    if (!jobs.some((j) => refMatches(ref, j))) {
      const named = 'id' in ref ? `${ref.id}${ref.index ? `[${ref.index}]` : ''}` : `"${ref.name}"`;
      throw usageError(`bsub -w "${text}": ${named}: No matching job found. Job not submitted.`);
    }
  }
}

/** The mail options: only with a mail transport on this host (never silently dropped). */
function mailOf(args: BsubArgs, user: string): JobRecord['mail'] {
  if (!args.mailBegin && !args.mailEnd && args.mailUser === undefined) return undefined;
  if (!canMail()) {
    const which = [args.mailBegin && '-B', args.mailEnd && '-N', args.mailUser !== undefined && '-u'].filter(
      Boolean,
    );
    throw usageError(
      `bsub ${which.join(' ')}: this host has no mail transport (${SENDMAIL}); the job report is in the -o file`,
    );
  }
  return { user: args.mailUser ?? user, begin: args.mailBegin, end: args.mailEnd };
}

/** What the submission asks of this host, checked against what it can give. */
function hostRequest(args: BsubArgs, local: Local) {
  if (args.app !== undefined && !PROFILES.has(args.app)) {
    throw usageError(
      `${args.app}: Application profile does not exist (known here: ${[...PROFILES].join(', ')}). Job not submitted.`,
    );
  }
  const slots = local.config.local.slots;
  if (args.slots > slots)
    throw usageError(
      `bsub -n ${args.slots}: this host has ${slots} slot(s) ([local] slots). Job not submitted.`,
    );
  if (args.hosts !== undefined && !hostsAllow(args.hosts, shortHost()))
    throw usageError(
      `bsub -m "${args.hosts}": the local LSF has one host, ${shortHost()}. Job not submitted.`,
    );
  const res = parseResReq(args.resReq.join(' '));
  const gpus = args.gpu !== undefined ? parseGpuCount(args.gpu) : 0;
  const hostGpus = hostGpuIndexes(local.config.devices.gpuDevDir).length;
  if (gpus > hostGpus)
    throw usageError(`bsub -gpu "${args.gpu}": this host has ${hostGpus} GPU(s). Job not submitted.`);
  const memLimit = args.memLimit !== undefined ? parseLimit(args.memLimit, 'KB') : res.memBytes;
  if (memLimit !== undefined && args.app && CONTAINER_PROFILES.has(args.app)) {
    const text =
      args.memLimit ?? /\bmem\s*=\s*([0-9.]+\s*[KMGTP]?B?)/i.exec(args.resReq.join(' '))?.[1] ?? '';
    const problem = memoryLimitProblem(memLimit, text, args.memLimit !== undefined ? 'KB' : 'MB');
    if (problem)
      throw usageError(
        `bsub ${args.memLimit !== undefined ? '-M' : '-R rusage[mem]'}: ${problem}. Job not submitted.`,
      );
  }
  if (args.interactive && args.jobName && parseJobName(args.jobName).indexes)
    throw usageError('bsub: an interactive job cannot be a job array');
  if (args.dependency) checkDependency(args.dependency, local);
  return { ports: res.ports, gpus, memLimit };
}

export interface Submitted {
  submitCwd: string;
  env: Record<string, string>;
  configPath: string | undefined;
  name: string;
}

/** The fields every element of the job shares. */
function baseRecord(args: BsubArgs, local: Local, sub: Submitted) {
  const { ports, gpus, memLimit } = hostRequest(args, local);
  const now = Date.now();
  const cwd = args.cwd ? resolve(sub.submitCwd, args.cwd) : sub.submitCwd;
  return {
    user: local.user,
    uid: local.uid,
    home: local.home,
    queue: args.queue ?? DEFAULT_QUEUE,
    app: args.app,
    group: args.group,
    jobGroup: args.jobGroup,
    project: args.project,
    command: args.command.join(' '),
    words: args.command,
    submitHost: shortHost(),
    submitTime: now,
    subcwd: sub.submitCwd,
    cwd,
    out: args.out,
    err: args.err,
    input: args.input ? resolve(cwd, args.input) : undefined,
    outdir: args.outdir,
    interactive: args.interactive,
    slots: args.slots,
    exclusive: args.exclusive,
    memLimit,
    runLimit: args.runLimit !== undefined ? parseRunLimit(args.runLimit) : undefined,
    resReq: args.resReq.length ? args.resReq.join(' ') : undefined,
    ports,
    gpus,
    config: sub.configPath ? resolve(sub.submitCwd, sub.configPath) : undefined,
    dependency: args.dependency,
    beginTime: args.beginTime !== undefined ? parseBeginTime(args.beginTime, now) : undefined,
    preExec: args.preExec,
    postExec: args.postExec,
    mail: mailOf(args, local.user),
    rerunnable: args.rerunnable,
    status: args.hold ? ('PSUSP' as const) : ('PEND' as const),
    // What the dispatcher says of a job waiting for slots: it need not rewrite a thousand new records.
    pendReason: args.hold ? REASONS.held : REASONS.slots,
    events: [
      [now, `Submitted from host <${shortHost()}>, to Queue <${args.queue ?? DEFAULT_QUEUE}>`],
    ] as Array<[number, string]>,
  };
}

/**
 * Takes a job id and writes one PEND record (and its submitted environment) per element. An
 * interactive element's lock is taken before its record exists: it is this bsub's from the start.
 */
export function jobRecords(
  args: BsubArgs,
  local: Local,
  sub: Submitted,
): { records: JobRecord[]; lock?: HeldLock } {
  const base = baseRecord(args, local, sub);
  const spec: JobNameSpec = args.jobName ? parseJobName(args.jobName) : { name: sub.name };
  const id = allocateJobId(local.dirs, local.uid);
  const indexes = spec.indexes ?? [0];
  const array = spec.indexes
    ? { first: indexes[0]!, last: indexes.at(-1)!, step: spec.step ?? 1, limit: spec.limit }
    : undefined;
  const records: JobRecord[] = indexes.map((index) => ({
    id,
    index,
    name: index > 0 ? `${spec.name}[${index}]` : spec.name,
    ...base,
    array,
  }));
  const lock = args.interactive ? tryLock(jobPaths(local.dirs, id, 0).lock) : undefined;
  if (args.interactive && !lock) throw new Error(`job ${id}: its lock is taken`);
  writeFileSync(jobPaths(local.dirs, id, 0).env, JSON.stringify(sub.env), { mode: 0o600 });
  for (const r of records) writeRecord(local.dirs, r);
  return { records, lock };
}
