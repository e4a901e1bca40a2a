import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { childProcess } from '../../kernel/builtin.js';
import { usageError, WrapperError } from '../../kernel/errors.js';
import { ExitCode } from '../../kernel/exit-codes.js';
import { splitWords } from '../../kernel/grammar/words.js';
import type { EsubResolver, InProcessEsub } from '../../kernel/in-process-esub.js';
import {
  type AppSpec,
  DEFAULT_ABORT_VALUE,
  formatAssignment,
  parseAppSpecs,
  parseAssignments,
} from './esub-protocol.js';

/**
 * LSF's order of esubs: the plain `esub` when installed, then the mandatory ones of
 * LSB_ESUB_METHOD, then those of -a; each runs once (the -a arguments win for a name given twice).
 */
export function esubOrder(
  aValues: string[],
  esubMethod: string | undefined,
  plainInstalled: boolean,
): AppSpec[] {
  const out: AppSpec[] = [];
  const add = (spec: AppSpec) => {
    const seen = out.find((a) => a.name === spec.name);
    if (!seen) out.push(spec);
    else if (spec.args.length > 0 && seen.args.length === 0) seen.args = spec.args;
  };
  if (plainInstalled) add({ name: '', args: [] });
  for (const name of splitWords(esubMethod)) {
    if (!/^[A-Za-z0-9_-]+$/.test(name))
      throw usageError(`LSB_ESUB_METHOD: "${name}" is not an application name`);
    add({ name, args: [] });
  }
  for (const value of aValues) {
    const parsed = parseAppSpecs(value);
    if (!parsed.ok) throw usageError(`bsub -a: ${parsed.reason}`);
    for (const app of parsed.apps) {
      if (app.name === 'user') throw usageError('bsub -a: "user" is reserved by LSF (esub.user)');
      add(app);
    }
  }
  return out;
}

export interface EsubRun {
  /** The parameters (LSB_SUB_*) after every esub's modify file. */
  parm: Map<string, string>;
  /** The job environment after every esub's modify env file. */
  env: Record<string, string>;
}

/** An esub as LSF runs it: a process of its own, stdout discarded, stderr the user's. */
function runAsProcess(program: string, argv: string[], env: Record<string, string>) {
  const r = childProcess().spawnSync(program, argv, { env, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.error) throw usageError(`${program}: ${r.error.message}`);
  return { status: r.status, signal: r.signal };
}

/** This installation's esub in this process: what it would exit with; a crash is its internal error. */
async function runHere(
  esub: InProcessEsub,
  program: string,
  argv: string[],
  env: Record<string, string>,
  stderr: (text: string) => void,
) {
  try {
    return { status: await esub(argv, env, stderr), signal: null };
  } catch (err) {
    stderr(`${basename(program)}: internal error: ${(err as Error).message}\n`);
    return { status: ExitCode.INTERNAL, signal: null };
  }
}

/** An esub rejected the job (exit LSB_SUB_ABORT_VALUE or killed by a signal). */
export class EsubRejected extends WrapperError {
  constructor(readonly esub: string) {
    super(ExitCode.ESUB_ABORT, 'Request aborted by esub. Job not submitted.');
  }
}

/**
 * Runs the esubs as LSF does: each gets LSB_SUB_PARM_FILE (the current parameters),
 * LSB_SUB_MODIFY_FILE and LSB_SUB_MODIFY_ENVFILE (empty, for its changes), LSB_SUB_ABORT_VALUE=97,
 * its arguments as argv (after `--config FILE --` when lsf-docker got --config); stdout is
 * discarded (LSF pipes it to eexec), stderr is the user's. Later esubs see earlier changes.
 * An esub INPROCESS names (this installation's own) runs in this process, with the same files,
 * argv and environment, instead of as a process of its own; STDERR is where its lines go (the
 * user's: this process's stderr unless bsub runs for a client).
 */
export async function runEsubs(opts: {
  apps: AppSpec[];
  esubDir: string;
  scratchRoot: string;
  config?: string;
  parm: Map<string, string>;
  env: Record<string, string>;
  inProcess?: EsubResolver;
  stderr?: (text: string) => void;
}): Promise<EsubRun> {
  const parm = new Map(opts.parm);
  let env = { ...opts.env };
  if (opts.apps.length === 0) return { parm, env };
  // A private scratch dir for the protocol files (mkdtemp: 0700, a new name), removed with
  // everything in it. The tmp package did the same at about 5 ms of every bsub's start (its
  // own load, node:crypto's and its exit handlers).
  const dir = mkdtempSync(join(opts.scratchRoot, '.esub.'));
  try {
    for (const app of opts.apps) {
      const program = join(opts.esubDir, app.name === '' ? 'esub' : `esub.${app.name}`);
      if (!existsSync(program)) {
        throw usageError(`${app.name}: no such application: ${program} is not installed. Job not submitted.`);
      }
      const parmFile = join(dir, 'parm');
      const modify = join(dir, 'modify');
      const modifyEnv = join(dir, 'modify_env');
      writeFileSync(parmFile, [...parm].map(([k, v]) => formatAssignment(k, v)).join(''), { mode: 0o600 });
      writeFileSync(modify, '', { mode: 0o600 });
      writeFileSync(modifyEnv, '', { mode: 0o600 });
      const argv = [...(opts.config ? ['--config', opts.config, '--'] : []), ...app.args];
      const esubEnv = {
        ...env,
        LSB_SUB_PARM_FILE: parmFile,
        LSB_SUB_MODIFY_FILE: modify,
        LSB_SUB_MODIFY_ENVFILE: modifyEnv,
        LSB_SUB_ABORT_VALUE: String(DEFAULT_ABORT_VALUE),
      };
      const here = opts.inProcess?.(program, app.name);
      const stderr = opts.stderr ?? ((text: string) => process.stderr.write(text));
      const r = here
        ? await runHere(here, program, argv, esubEnv, stderr)
        : runAsProcess(program, argv, esubEnv);
      if (r.status === DEFAULT_ABORT_VALUE || r.signal) throw new EsubRejected(app.name);
      for (const [k, v] of parseAssignments(readFileSync(modify, 'utf8'))) {
        if (k === 'LSB_SUB_ADDITIONAL') continue; // the one option an esub cannot change
        parm.set(k, v);
      }
      env = { ...env, ...Object.fromEntries(parseAssignments(readFileSync(modifyEnv, 'utf8'))) };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { parm, env };
}
