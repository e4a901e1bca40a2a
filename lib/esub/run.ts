import { appendFileSync, readFileSync } from 'node:fs';
import { loadConfig } from '../config/load.js';
import { whoOf } from '../config/profiles/who.js';
import { identityFromOs } from '../host/identity-from-os.js';
import { isWrapperError } from '../kernel/errors.js';
import { parseProgramArgs } from '../kernel/program-args.js';
import { abortValue, formatAssignment, parseAssignments } from '../scheduler/lsf/esub-protocol.js';
import type { EsubDecision, EsubInput } from './decide.js';

/**
 * Runs one esub the way LSF calls it: reads LSB_SUB_PARM_FILE, decides, appends to
 * LSB_SUB_MODIFY_FILE / LSB_SUB_MODIFY_ENVFILE, or exits with LSB_SUB_ABORT_VALUE (97) after one
 * line on stderr. stdout is LSF's (eexec's) and is never written. A bad config also rejects: a
 * job that cannot run must not be queued.
 */
export async function runEsub(
  program: string,
  usage: string,
  argv: string[],
  decide: (input: EsubInput) => EsubDecision | Promise<EsubDecision>,
  env: Record<string, string | undefined> = process.env,
  stderr: (text: string) => void = (text) => process.stderr.write(text),
): Promise<number> {
  const abort = abortValue(env);
  const reject = (reason: string) => {
    stderr(`${program}: ${reason.split('\n')[0]}\n`);
    return abort;
  };
  let decision: EsubDecision;
  try {
    const args = await parseProgramArgs(program, usage, argv, { options: { 'config FILE': 'admin config' } });
    if (args.exit !== undefined) return args.exit;
    const { config } = loadConfig(args.config, { euid: process.geteuid!() });
    let additional = env.LSB_SUB_ADDITIONAL;
    if (env.LSB_SUB_PARM_FILE) {
      const parm = parseAssignments(readFileSync(env.LSB_SUB_PARM_FILE, 'utf8'));
      additional = parm.get('LSB_SUB_ADDITIONAL') ?? additional;
    }
    const who = () => whoOf(identityFromOs(env as NodeJS.ProcessEnv));
    decision = await decide({ args: args.command, additional, env, config, who });
  } catch (err) {
    if (isWrapperError(err)) return reject(err.message);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES') return reject(`LSB_SUB_PARM_FILE: ${(err as Error).message}`);
    throw err;
  }
  if (!decision.ok) return reject(decision.reason);
  for (const line of decision.stderr ?? []) stderr(`${program}: ${line.split('\n')[0]}\n`);
  if (decision.options.length > 0) {
    if (!env.LSB_SUB_MODIFY_FILE) return reject('LSB_SUB_MODIFY_FILE is not set: run me from bsub -a');
    appendFileSync(
      env.LSB_SUB_MODIFY_FILE,
      decision.options.map(([k, v]) => formatAssignment(k, v)).join(''),
    );
  }
  if (decision.env.length > 0) {
    // bmod and brestart give no env file: the environment of the job cannot change then.
    if (env.LSB_SUB_MODIFY_ENVFILE) {
      appendFileSync(
        env.LSB_SUB_MODIFY_ENVFILE,
        decision.env.map(([k, v]) => formatAssignment(k, v)).join(''),
      );
    } else if (!env.LSB_SUB_MODIFY_FILE) {
      return reject('LSB_SUB_MODIFY_ENVFILE is not set: run me from bsub -a');
    }
  }
  return 0;
}
