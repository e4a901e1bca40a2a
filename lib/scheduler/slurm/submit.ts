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
import { expandArraySpec } from './hostlist.js';
import { startLines } from './multinode.js';
import { ShellQuoteError, shQuote } from './shell.js';

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
  /** The job starter on the nodes (docker_run for -a docker); undefined runs the command with /bin/sh -c. */
  starter?: { path: string; config?: string };
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

class Refusal extends Error {
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(message);
  }
}

const refuse = (option: string, message: string): never => {
  throw new Refusal(option, `bsub ${option}: ${message}. Job not submitted.`);
};

/** LSF's MAX_JOB_ARRAY_SIZE default (elements), as the local LSF. */
export const MAX_ARRAY_ELEMENTS = 1000;
/** The longest default job name (the command line) handed to Slurm. */
export const MAX_DEFAULT_NAME = 128;
const PARTITION = /^[A-Za-z0-9_.-]{1,64}$/;

/** `name[1-3,7]%2` -> the name, Slurm's --array value and the indexes. */
export function parseArrayName(
  text: string,
  maxIndex = 1000,
): { name: string; array?: string; indexes?: number[] } {
  const m = /^([^[\]]*)\[([^\]]*)\](?:%(\d{1,6}))?$/.exec(text);
  if (!m) {
    if (/[[\]]/.test(text)) refuse(`-J "${text}"`, 'malformed job array (want NAME[1-4], NAME[1-10:2,15]%2)');
    return { name: text };
  }
  const parts = m[2]!.split(',').map((p) => p.trim());
  const normalized: string[] = [];
  for (const part of parts) {
    const r = /^(\d{1,9})(?:-(\d{1,9})(?::(\d{1,9}))?)?$/.exec(part);
    if (!r) refuse(`-J "${text}"`, `"${part}" is not INDEX, FIRST-LAST or FIRST-LAST:STEP`);
    const first = Number(r![1]);
    const last = r![2] === undefined ? first : Number(r![2]);
    const step = r![3] === undefined ? 1 : Number(r![3]);
    if (first < 1 || last < first || step < 1)
      refuse(`-J "${text}"`, `"${part}": indexes start at 1 and ranges go upwards`);
    if (last > maxIndex) refuse(`-J "${text}"`, `index ${last} is above this cluster's limit ${maxIndex}`);
    normalized.push(
      r![2] === undefined
        ? `${first}`
        : r![3] === undefined
          ? `${first}-${last}`
          : `${first}-${last}:${step}`,
    );
  }
  const spec = normalized.join(',');
  const indexes = expandArraySpec(spec, MAX_ARRAY_ELEMENTS);
  if (!indexes) refuse(`-J "${text}"`, `more than ${MAX_ARRAY_ELEMENTS} elements`);
  const limit = m[3] === undefined ? undefined : Number(m[3]);
  if (limit !== undefined && limit < 1) refuse(`-J "${text}"`, 'the %N limit must be at least 1');
  return { name: m[1]!, array: limit === undefined ? spec : `${spec}%${limit}`, indexes };
}

/**
 * An -o/-e path in Slurm's pattern syntax: %J -> %A (array) or %j, %I -> %a (array) or 0, every
 * other % doubled (Slurm would expand %u, %x, %N ...). A backslash is refused (it turns all of
 * Slurm's patterns off); a path ending in / is LSF's directory form (DIR/%J.out, DIR/%J_%I.out).
 */
export function slurmOutputPath(option: string, path: string, array: boolean, suffix: string): string {
  if (path === '') refuse(option, 'empty file name');
  if (path.includes('\\'))
    refuse(`${option} "${path}"`, "a backslash turns off Slurm's %-patterns; not supported");
  if (path.includes('\0') || path.includes('\n')) refuse(option, 'the file name contains a NUL or newline');
  const lsf = path.endsWith('/') ? `${path}${array ? '%J_%I' : '%J'}.${suffix}` : path;
  let out = '';
  for (let i = 0; i < lsf.length; i++) {
    const c = lsf[i]!;
    const next = lsf[i + 1];
    if (c === '%' && next === 'J') {
      out += array ? '%A' : '%j';
      i++;
    } else if (c === '%' && next === 'I') {
      out += array ? '%a' : '0';
      i++;
    } else out += c === '%' ? '%%' : c;
  }
  return out;
}

/** A size as -M writes it: N (in DEFAULT_UNIT) or N with K/M/G/T/P[B] -> bytes; undefined if not a size. */
export function parseSize(text: string, defaultUnit: 'K' | 'M'): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGTP]?)B?$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? '').toUpperCase() || defaultUnit;
  const factor = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4, P: 1024 ** 5 }[unit] ?? 1;
  const bytes = Math.floor(Number(m[1]) * factor);
  return bytes > 0 && Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** Slurm's --mem value: whole MB, rounded up (Slurm keeps memory in MB). */
export const slurmMem = (bytes: number) => `${Math.ceil(bytes / 1024 ** 2)}M`;

interface ResReq {
  memBytes?: number;
  oneHost: boolean;
  ptile?: number;
}

/** The -R sections Slurm can honour; any other section is refused by name. */
export function parseResReqForSlurm(texts: readonly string[]): ResReq {
  const out: ResReq = { oneHost: false };
  for (const text of texts) {
    const option = `-R "${text}"`;
    let rest = text.trim();
    while (rest !== '') {
      const m = /^([a-z]+)\s*\[([^\]]*)\]\s*/.exec(rest);
      if (!m) refuse(option, `"${rest}" is not a section such as rusage[mem=N] or span[hosts=1]`);
      const [whole, section, body] = m!;
      rest = rest.slice(whole!.length);
      const inner = body!.trim();
      if (section === 'rusage') {
        for (const item of inner.split(/[,:]/).map((s) => s.trim())) {
          const kv = /^mem\s*=\s*([0-9.]+\s*[KMGTP]?B?)$/i.exec(item);
          if (!kv) refuse(option, `rusage "${item}": only mem=N (MB) maps to Slurm (--mem)`);
          out.memBytes = parseSize(kv![1]!, 'M') ?? refuse(option, `rusage "${item}": not a size`);
        }
      } else if (section === 'span') {
        const hosts = /^hosts\s*=\s*1$/.exec(inner);
        const ptile = /^ptile\s*=\s*(\d{1,6})$/.exec(inner);
        if (hosts) out.oneHost = true;
        else if (ptile && Number(ptile[1]) > 0) out.ptile = Number(ptile[1]);
        else refuse(option, `span[${inner}]: only span[hosts=1] and span[ptile=N] map to Slurm`);
      } else if (section === 'select') {
        if (!/^(?:type\s*==?\s*(?:any|local))?$/.test(inner))
          refuse(option, `select[${inner}]: host selection does not map to Slurm (use -q PARTITION)`);
      } else if (section !== 'order') {
        refuse(option, `${section}[...] does not map to Slurm`);
      }
    }
  }
  return out;
}

/** -gpu "num=N" -> N; "-" is LSF's default (1). Other GPU options have no Slurm equivalent here. */
export function parseGpuNum(text: string): number {
  const t = text.trim();
  if (t === '-') return 1;
  let num = 1;
  for (const item of t.split(':')) {
    const m = /^num=(\d{1,3})$/.exec(item);
    if (m) num = Number(m[1]);
    else refuse(`-gpu "${text}"`, `"${item}" has no Slurm equivalent (only num=N maps to --gres=gpu:N)`);
  }
  if (num < 1) refuse(`-gpu "${text}"`, 'num must be at least 1');
  return num;
}

/** The starter's argv: STARTER [--config FILE] -- COMMAND..., or /bin/sh -c "COMMAND" for a plain job. */
export function starterArgv(command: readonly string[], starter: SubmitOptions['starter']): string[] {
  if (!starter) return ['/bin/sh', '-c', command.join(' ')];
  return [starter.path, ...(starter.config ? ['--config', starter.config] : []), '--', ...command];
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

function plan(req: BsubLikeRequest, opts: SubmitOptions): SubmitPlan {
  if (req.command.length === 0 || req.command.join(' ').trim() === '') refuse('COMMAND', 'no command given');
  const slots = req.slots ?? 1;
  if (!Number.isInteger(slots) || slots < 1 || slots > 999_999)
    refuse(`-n ${slots}`, 'not a number of slots');

  const parsedName =
    req.jobName !== undefined ? parseArrayName(req.jobName, opts.maxArrayIndex ?? 1000) : undefined;
  const defaultName = req.command.join(' ').replace(/\s+/g, ' ').trim().slice(0, MAX_DEFAULT_NAME);
  const name = parsedName && parsedName.name !== '' ? parsedName.name : defaultName;
  const array = parsedName?.array;
  if (array && req.interactive) refuse(`-J "${req.jobName}"`, 'an interactive job cannot be a job array');

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

  // Options shared by sbatch and srun.
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
  const files: string[] = [];
  if (req.output)
    files.push(
      `--output=${slurmOutputPath(`-o${req.output.overwrite ? 'o' : ''}`, req.output.path, !!array, 'out')}`,
    );
  else if (opts.defaultOutput !== undefined && !req.interactive) files.push(`--output=${opts.defaultOutput}`);
  if (req.error)
    files.push(
      `--error=${slurmOutputPath(`-e${req.error.overwrite ? 'o' : ''}`, req.error.path, !!array, 'err')}`,
    );
  const modes = [req.output, req.error].filter((f) => f !== undefined).map((f) => f.overwrite);
  if (modes.length === 2 && modes[0] !== modes[1])
    refuse(
      req.output!.overwrite ? '-oo' : '-eo',
      'Slurm has one open mode for both files: use -o with -e, or -oo with -eo',
    );
  if (modes.length > 0) files.push(`--open-mode=${modes[0] ? 'truncate' : 'append'}`);

  const starter = starterArgv(req.command, opts.starter);
  for (const word of starter) shQuote(word); // refuses what no script or argv can carry

  if (req.interactive) {
    if (slots > 1)
      refuse(`-n ${slots}`, 'an interactive job on Slurm runs one container: -n > 1 needs a batch job');
    const srun = opts.srun ?? 'srun';
    const pty = req.interactive === 'Ip' || req.interactive === 'Is' ? ['--pty'] : [];
    return {
      kind: 'interactive',
      srunArgv: [srun, ...common, ...files, '--no-requeue', '--export=ALL', ...pty, '--', ...starter],
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
  const multiNode = slots > 1 && !res.oneHost;
  return {
    kind: 'batch',
    sbatchArgv,
    script: batchScript(starter, { multiNode, srun: opts.srun }),
    partition,
    indexes: parsedName?.indexes,
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

/** Variables sbatch/srun read as options or that Slurm owns: never in a job's exported environment. */
export const SLURM_INPUT_VARIABLE = /^(SLURM_|SBATCH_|SRUN_|SALLOC_|SLURMD_|PMI_|PMIX_)/;

/** The job's environment for --export-file: the submitted variables without Slurm's own. */
export function exportEnvironment(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || SLURM_INPUT_VARIABLE.test(k)) continue;
    out[k] = v;
  }
  return out;
}

/** --export-file's format: NAME=value, each followed by a NUL. A NUL or = in a name, or a NUL in a value, cannot be carried. */
export function renderExportFile(env: Readonly<Record<string, string>>): string {
  let out = '';
  for (const [k, v] of Object.entries(env)) {
    if (k === '' || /[=\0]/.test(k))
      throw new RangeError(`environment variable name ${JSON.stringify(k)} cannot be exported`);
    if (v.includes('\0')) throw new RangeError(`environment variable ${k} contains a NUL`);
    out += `${k}=${v}\0`;
  }
  return out;
}

/** The environment sbatch itself runs with: nothing it would read as an option, and SLURM_CONF. */
export function sbatchProcessEnv(
  env: Readonly<Record<string, string | undefined>>,
  slurmConf: string,
): Record<string, string> {
  const out: Record<string, string> = { SLURM_CONF: slurmConf };
  for (const k of ['PATH', 'LANG', 'LC_ALL', 'HOME', 'TZ']) if (env[k] !== undefined) out[k] = env[k]!;
  out.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  return out;
}

/** sbatch --parsable's stdout: "JOBID" or "JOBID;CLUSTER" -> the id, or undefined. */
export function parseSbatchParsable(stdout: string): { jobId: number; cluster?: string } | undefined {
  const m = /^(\d{1,19})(?:;([A-Za-z0-9_.-]+))?\s*$/.exec(stdout.trim());
  if (!m) return undefined;
  return { jobId: Number(m[1]), cluster: m[2] };
}
