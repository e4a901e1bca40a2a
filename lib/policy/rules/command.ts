import { basename, dirname } from 'node:path';
import { parseAbsolutePath } from '../../kernel/grammar/path.js';
import type { JobRequest } from '../../request/job-request.js';
import { type BindMount, CONTAINER_SCRIPT, type JobScript } from '../../runtime/container-spec.js';
import { protectedTarget } from './paths.js';
import { Findings, type RuleContext, type Ruling } from './rule.js';

/** What runs: the image's own command (raw args), the job file LSF wrote, or a generated script. */
export interface CommandPart {
  entrypoint?: string;
  command: string[];
  script?: JobScript;
  /** Mounts of the command (none since the job file is read as the user and run as the script). */
  mounts: BindMount[];
}

/** The job file LSF wrote, when the command is just its path: run it instead of a generated script. */
function jobFileOf(request: JobRequest, { identity, probe }: RuleContext): string | undefined {
  if (request.command.length !== 1) return undefined;
  const word = request.command[0]!;
  const grammar = parseAbsolutePath(word);
  if (!grammar.ok || grammar.path !== word || protectedTarget(word, [])) return undefined;
  const isJobFile = word === request.job.jobFile || basename(dirname(word)) === '.lsbatch';
  if (!isJobFile) return undefined;
  const stat = probe.lstat(word);
  if (stat?.kind !== 'file' || stat.isSymlink || stat.uid !== identity.uid) return undefined;
  return word;
}

/** The largest job file that is read and run (LSF writes a few KiB). */
const JOB_FILE_LIMIT = 4 * 1024 * 1024;

function whatRuns(request: JobRequest, ctx: RuleContext, found: Findings): CommandPart {
  if (request.rawArgs) {
    found.decide('raw args: the image runs its own CMD/ENTRYPOINT');
    return { entrypoint: request.entrypoint, command: [], mounts: [] };
  }
  const entrypoint = request.entrypoint ?? '/bin/sh';
  const script = { entrypoint, command: [CONTAINER_SCRIPT], mounts: [] };
  const jobFile = jobFileOf(request, ctx);
  if (jobFile) {
    // Read as the user and run from the private dir: never a path root or the runtime resolves again.
    let text: string;
    try {
      text = ctx.probe.readUserFile(jobFile, JOB_FILE_LIMIT);
    } catch (err) {
      found.refuse('LSB_JOBFILENAME', `job file ${jobFile}: ${(err as Error).message}`);
      return { ...script, script: { words: [] } };
    }
    found.decide(`job file ${jobFile} read as you and run as the job script`);
    return { ...script, script: { words: [text.replace(/\n$/, '')] } };
  }
  return { ...script, script: { words: request.command } };
}

/** The command, entrypoint and job file, within [security] allow_raw_args and allow_entrypoint. */
export function commandRule(request: JobRequest, ctx: RuleContext): Ruling<CommandPart> {
  const found = new Findings();
  const { security } = ctx.config;
  if (request.rawArgs && !security.allowRawArgs)
    found.refuse('LSF_DOCKER_RUN_RAW_ARGS', 'is not allowed on this cluster ([security] allow_raw_args)');
  const part = whatRuns(request, ctx, found);
  if (request.entrypoint && !security.allowEntrypoint) {
    found.refuse('LSF_DOCKER_ENTRYPOINT', 'is not allowed on this cluster ([security] allow_entrypoint)');
  }
  return found.ruling(part);
}
