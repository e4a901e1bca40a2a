/**
 * bsub on Slurm: a bsub-like request -> the sbatch argv and batch script (or, for -I, the srun
 * argv), or a refusal naming the option. Pure. Measured behaviour behind each choice:
 * ../../../../notes/slurm-adapter.md.
 *
 * How the caller runs the plan (I/O is the caller's):
 *   batch:       spawn sbatchArgv with env = sbatchProcessEnv(...), stdin = script,
 *                fd 3 = renderExportFile(exportEnvironment({ ...jobEnv, ...plan.exportVariables }));
 *                stdout is "JOBID\n" (parseSbatchParsable).
 *   interactive: spawn srunArgv with env = { ...exportEnvironment(jobEnv), SLURM_CONF } and the
 *                terminal (srun has no --export-file; its own environment is exported).
 */
import { startLines } from './multinode.js';
import { ShellQuoteError, shQuote } from './shell.js';
import {
  MAX_DEFAULT_NAME,
  PARTITION,
  parseArrayName,
  parseGpuNum,
  parseResReqForSlurm,
  parseSize,
  Refusal,
  refuse,
  slurmMem,
  slurmOutputPath,
} from './submit-options.js';

export {
  exportEnvironment,
  parseSbatchParsable,
  renderExportFile,
  SLURM_INPUT_VARIABLE,
  sbatchProcessEnv,
} from './job-env.js';
export {
  MAX_ARRAY_ELEMENTS,
  MAX_DEFAULT_NAME,
  parseArrayName,
  parseGpuNum,
  parseResReqForSlurm,
  parseSize,
  slurmMem,
  slurmOutputPath,
} from './submit-options.js';

/** What bsub was asked, after its esubs (lib/scheduler/lsf/bsub-options.ts BsubArgs, the parts Slurm needs). */
export interface BsubLikeRequest {
  /** The job's command words (LSF joins them into shell text). */
  command: readonly string[];
  /** -J: a name, optionally with an array `name[1-3]`, `name[1-10:2,15]`, `name[1-9]%2`. */
  jobName?: string;
  /** -o / -oo (overwrite), with LSF's %J and %I. */
  output?: { path: string; overwrite: boolean };
  /** -e / -eo. */
  error?: { path: string; overwrite: boolean };
  /** -n: slots (one CPU each). */
  slots?: number;
  /** -M as written: a number in KB (LSF_UNIT_FOR_LIMITS default, as the local LSF) or with a unit (512MB, 4G). */
  memLimit?: string;
  /** -R strings: rusage[mem=N] (MB), span[hosts=1], span[ptile=N] are mapped; the rest is refused. */
  resReq?: readonly string[];
  /** -gpu: "num=N" (or "-" for 1). */
  gpu?: string;
  /** -q: the partition. */
  queue?: string;
  /** -K: wait for the job (the job's status must then be read from squeue, see waitStatusNote). */
  wait?: boolean;
  /** -I, -Ip, -Is. */
  interactive?: 'I' | 'Ip' | 'Is';
  /** -cwd, already absolute. */
  cwd?: string;
}

export interface SubmitOptions {
  /**
   * The job starter on the nodes (docker_run for -a docker), with the words before it (e.g.
   * `sudo -n` for the secure deployment); undefined runs the command with /bin/sh -c.
   */
  starter?: { path: string; config?: string; prefix?: readonly string[] };
  /** [slurm] partition: used when there is no -q. */
  defaultPartition?: string;
  /** [slurm] default_output: sbatch --output when there is no -o, in Slurm's pattern syntax (e.g. /var/spool/lsfd/%u/%j.out). */
  defaultOutput?: string;
  /** The sbatch and srun programs ([slurm] bin_dir). */
  sbatch?: string;
  srun?: string;
  /** The descriptor the job environment comes on (--export-file=FD). */
  exportFd?: number;
  /** MaxArraySize - 1 of the cluster (Slurm's default MaxArraySize is 1001). */
  maxArrayIndex?: number;
}

export type SubmitPlan =
  | {
      kind: 'batch';
      sbatchArgv: string[];
      script: string;
      /** The partition asked for, if any (else Slurm's default: read it back from squeue). */
      partition?: string;
      /** The array indexes, for an array job. */
      indexes?: number[];
      /** The job name Slurm gets (bjobs' JOB_NAME, without the array part). */
      name: string;
      /** To add to the job environment before exportEnvironment (--export-file drops SLURM_JOB_NAME). */
      exportVariables: { LSB_JOBNAME: string };
    }
  | { kind: 'interactive'; srunArgv: string[]; partition?: string; name: string }
  | { kind: 'refused'; option: string; message: string };

/** The starter's argv: [PREFIX...] STARTER [--config FILE] -- COMMAND..., or /bin/sh -c "COMMAND" for a plain job. */
export function starterArgv(command: readonly string[], starter: SubmitOptions['starter']): string[] {
  if (!starter) return ['/bin/sh', '-c', command.join(' ')];
  return [
    ...(starter.prefix ?? []),
    starter.path,
    ...(starter.config ? ['--config', starter.config] : []),
    '--',
    ...command,
  ];
}

/** The batch script: #!/bin/sh, then exec of the starter (through srun over several nodes). */
export function batchScript(starter: readonly string[], opts: { multiNode: boolean; srun?: string }): string {
  return [
    '#!/bin/sh',
    '# lsf-docker: bsub on Slurm. exec keeps the job starter the job main process (Slurm signals it).',
    ...startLines(starter, opts),
    '',
  ].join('\n');
}

/**
 * Plans a submission. Every bsub option maps to its Slurm equivalent or is refused by name:
 *   -J name[array]%N -> --job-name, --array     -o/-oo, -e/-eo -> --output/--error, --open-mode
 *   -n N -> --ntasks=N (and one container per node over several nodes)
 *   -M / -R rusage[mem] -> --mem (per node)     -R span[hosts=1] -> --nodes=1, span[ptile=N] -> --ntasks-per-node
 *   -gpu num=N -> --gres=gpu:N (per node)       -q -> --partition        -K -> --wait
 *   -I/-Ip/-Is -> srun (--pty for -Ip/-Is)     -cwd -> --chdir
 * Always: --parsable, --no-requeue (a requeued job would run its container twice), and the job
 * environment from --export-file=FD (exactly the submitted variables, special characters intact).
 */
export function planSubmission(req: BsubLikeRequest, opts: SubmitOptions = {}): SubmitPlan {
  try {
    return plan(req, opts);
  } catch (err) {
    if (err instanceof Refusal) return { kind: 'refused', option: err.option, message: err.message };
    if (err instanceof ShellQuoteError)
      return {
        kind: 'refused',
        option: 'COMMAND',
        message: `bsub COMMAND: ${err.message}. Job not submitted.`,
      };
    throw err;
  }
}

/** The job's name and array: -J, else the command line (shortened). */
function nameOf(req: BsubLikeRequest, opts: SubmitOptions) {
  const parsed =
    req.jobName !== undefined ? parseArrayName(req.jobName, opts.maxArrayIndex ?? 1000) : undefined;
  const defaultName = req.command.join(' ').replace(/\s+/g, ' ').trim().slice(0, MAX_DEFAULT_NAME);
  const name = parsed && parsed.name !== '' ? parsed.name : defaultName;
  if (parsed?.array && req.interactive)
    refuse(`-J "${req.jobName}"`, 'an interactive job cannot be a job array');
  return { name, array: parsed?.array, indexes: parsed?.indexes };
}

/** The options sbatch and srun share: name, tasks, partition, memory, GPUs, span, directory. */
function commonOptions(req: BsubLikeRequest, opts: SubmitOptions, name: string, slots: number) {
  const partition = req.queue ?? opts.defaultPartition;
  if (partition !== undefined && !PARTITION.test(partition))
    refuse(req.queue !== undefined ? `-q "${partition}"` : '[slurm] partition', 'not a partition name');
  const res = parseResReqForSlurm(req.resReq ?? []);
  let memBytes = res.memBytes;
  if (req.memLimit !== undefined) {
    memBytes = parseSize(req.memLimit, 'K');
    if (memBytes === undefined)
      refuse(`-M "${req.memLimit}"`, 'not a memory limit (e.g. 4096 in KB, 4G, 512MB)');
  }
  const gpus = req.gpu !== undefined ? parseGpuNum(req.gpu) : 0;
  if (res.oneHost && res.ptile !== undefined)
    refuse('-R span[...]', 'span[hosts=1] and span[ptile=N] together');
  const common: string[] = [`--job-name=${name}`, `--ntasks=${slots}`];
  if (partition !== undefined) common.push(`--partition=${partition}`);
  if (memBytes !== undefined) common.push(`--mem=${slurmMem(memBytes)}`);
  if (gpus > 0) common.push(`--gres=gpu:${gpus}`);
  if (res.oneHost) common.push('--nodes=1');
  if (res.ptile !== undefined) common.push(`--ntasks-per-node=${res.ptile}`);
  if (req.cwd !== undefined) {
    if (!req.cwd.startsWith('/')) refuse(`-cwd "${req.cwd}"`, 'not an absolute directory');
    common.push(`--chdir=${req.cwd}`);
  }
  return { common, partition, oneHost: res.oneHost };
}

/** --output, --error and --open-mode from -o/-oo and -e/-eo (or [slurm] default_output). */
function fileOptions(req: BsubLikeRequest, opts: SubmitOptions, array: boolean): string[] {
  const files: string[] = [];
  const flag = (o: { overwrite: boolean }, letter: string) => `-${letter}${o.overwrite ? 'o' : ''}`;
  if (req.output)
    files.push(`--output=${slurmOutputPath(flag(req.output, 'o'), req.output.path, array, 'out')}`);
  else if (opts.defaultOutput !== undefined && !req.interactive) files.push(`--output=${opts.defaultOutput}`);
  if (req.error) files.push(`--error=${slurmOutputPath(flag(req.error, 'e'), req.error.path, array, 'err')}`);
  const modes = [req.output, req.error].filter((f) => f !== undefined).map((f) => f.overwrite);
  if (modes.length === 2 && modes[0] !== modes[1])
    refuse(
      req.output!.overwrite ? '-oo' : '-eo',
      'Slurm has one open mode for both files: use -o with -e, or -oo with -eo',
    );
  if (modes.length > 0) files.push(`--open-mode=${modes[0] ? 'truncate' : 'append'}`);
  return files;
}

function plan(req: BsubLikeRequest, opts: SubmitOptions): SubmitPlan {
  if (req.command.length === 0 || req.command.join(' ').trim() === '') refuse('COMMAND', 'no command given');
  const slots = req.slots ?? 1;
  if (!Number.isInteger(slots) || slots < 1 || slots > 999_999)
    refuse(`-n ${slots}`, 'not a number of slots');
  const { name, array, indexes } = nameOf(req, opts);
  const { common, partition, oneHost } = commonOptions(req, opts, name, slots);
  const files = fileOptions(req, opts, !!array);
  const starter = starterArgv(req.command, opts.starter);
  for (const word of starter) shQuote(word); // refuses what no script or argv can carry

  if (req.interactive) {
    if (slots > 1)
      refuse(`-n ${slots}`, 'an interactive job on Slurm runs one container: -n > 1 needs a batch job');
    const srun = opts.srun ?? 'srun';
    const pty = req.interactive === 'Ip' || req.interactive === 'Is' ? ['--pty'] : [];
    return {
      kind: 'interactive',
      // srun has no --no-requeue (measured: "unrecognized option"); an interactive step is never requeued.
      srunArgv: [srun, ...common, ...files, '--export=ALL', ...pty, '--', ...starter],
      partition,
      name,
    };
  }
  const fd = opts.exportFd ?? 3;
  if (!Number.isInteger(fd) || fd < 3) throw new RangeError(`exportFd ${fd}: want 3 or more`);
  const sbatchArgv = [
    opts.sbatch ?? 'sbatch',
    '--parsable',
    ...common,
    ...(array ? [`--array=${array}`] : []),
    ...files,
    '--no-requeue',
    `--export-file=${fd}`,
    ...(req.wait ? ['--wait'] : []),
  ];
  const multiNode = slots > 1 && !oneHost;
  const script = batchScript(starter, { multiNode, srun: opts.srun });
  return {
    kind: 'batch',
    sbatchArgv,
    script,
    partition,
    indexes,
    name,
    exportVariables: { LSB_JOBNAME: name },
  };
}

/**
 * sbatch --wait's own status is not the job's (measured: 0 for a job scancel'ed with SIGTERM, 1
 * for a script killed by a signal, the highest status over an array): after it returns, bsub -K
 * takes the status from squeue (states.ts lsfExitCode of each element; the first failing one).
 */
export const waitStatusNote = 'read the status from squeue --json after sbatch --wait';
