import type { Who } from '../config/profiles/types.js';
import type { Config } from '../config/schema.js';
import { parseImageRef, registryAllowed } from '../kernel/grammar/image.js';
import { JOB_TARGET_FORM, parseJobTarget } from '../kernel/grammar/job-id.js';
import { appArgs } from '../scheduler/lsf/esub-protocol.js';
import { profileRefusal } from './profile.js';

/** What an esub decided: lines for the modify files, or the one-line reason of a rejection. */
export type EsubDecision =
  | {
      ok: true;
      env: Array<[string, string]>;
      options: Array<[string, string]>;
      notes: string[];
      /** Lines for the user at bsub (e.g. the registry did not answer): accepted all the same. */
      stderr?: string[];
    }
  | { ok: false; reason: string };

export interface EsubInput {
  /** The esub's own arguments (after --config). */
  args: string[];
  /** LSB_SUB_ADDITIONAL: from the parameter file, else from the environment. */
  additional: string | undefined;
  /** The submission environment the esub runs in. */
  env: Record<string, string | undefined>;
  config: Config;
  /** Who submits, from the OS: asked only for a job that names a profile (LSF_DOCKER_PROFILE). */
  who?: () => Who;
}

/** The application profile that selects the job starter (docs/admin-guide-lsf.md, templates/lsf/). */
export const DOCKER_APP = 'docker';
export const DOCKER_BUILD_APP = 'docker_build';
export const DOCKER_EXEC_APP = 'docker_exec';

/** The image argument: argv first, then `docker(IMAGE)` in LSB_SUB_ADDITIONAL. */
function argumentOf(input: EsubInput, app: string): { text?: string; source: string } {
  if (input.args.length > 0) return { text: input.args.join(','), source: `${app}(...) argument` };
  const fromAdditional = appArgs(input.additional, app);
  if (fromAdditional && fromAdditional.length > 0)
    return { text: fromAdditional.join(','), source: `LSB_SUB_ADDITIONAL ${app}(...)` };
  return { source: `${app}(...) argument` };
}

/**
 * esub.docker: `-a "docker(IMAGE)"`. IMAGE is an admin alias or an image reference that parses
 * like docker_run's; its registry must be allowed. Without an argument, LSB_CONTAINER_IMAGE from
 * the submission environment is used (RIS: `LSB_CONTAINER_IMAGE=IMAGE bsub -app docker`).
 */
export function decideDockerEsub(input: EsubInput): EsubDecision {
  const arg = argumentOf(input, DOCKER_APP);
  let text = arg.text?.trim();
  let source = arg.source;
  if (text === undefined || text === '') {
    const fromEnv = input.env.LSB_CONTAINER_IMAGE?.trim();
    if (!fromEnv) {
      return {
        ok: false,
        reason: 'no image given: submit with bsub -a "docker(IMAGE)" (or set LSB_CONTAINER_IMAGE)',
      };
    }
    text = fromEnv;
    source = 'LSB_CONTAINER_IMAGE';
  }
  if (arg.text?.includes(',')) {
    return { ok: false, reason: `${source}: "${arg.text}": docker() takes one image` };
  }
  const notes: string[] = [];
  const alias = input.config.images.aliases[text];
  if (alias) {
    notes.push(`image alias ${text} -> ${alias}`);
    text = alias;
  }
  const parsed = parseImageRef(text);
  if (!parsed.ok) return { ok: false, reason: `${source}: "${text}" ${parsed.reason}` };
  if (!registryAllowed(parsed.ref, input.config.images.allowRegistries)) {
    return {
      ok: false,
      reason: `${source}: registry ${parsed.ref.registry} of "${text}" is not allowed (allowed: ${input.config.images.allowRegistries.join(', ')})`,
    };
  }
  const refusal = profileRefusal(input.env, input.config, input.who);
  if (refusal) return { ok: false, reason: refusal };
  return {
    ok: true,
    env: [['LSB_CONTAINER_IMAGE', text]],
    options: [['LSB_SUB_APP_NAME', DOCKER_APP]],
    notes,
  };
}

/**
 * esub.docker_build: `-a "docker_build(TAG)"`: TAG (the first tag) is an image reference whose
 * registry [build] allow_registries permits; it reaches the job as LSB_DOCKER_BUILD_TAG. With
 * LSB_DOCKER_LOGIN_ONLY=1 no tag is needed.
 */
export function decideBuildEsub(input: EsubInput): EsubDecision {
  const arg = argumentOf(input, DOCKER_BUILD_APP);
  const text = arg.text?.trim();
  const options: Array<[string, string]> = [['LSB_SUB_APP_NAME', DOCKER_BUILD_APP]];
  if (text === undefined || text === '') {
    if (input.env.LSB_DOCKER_LOGIN_ONLY?.trim() === '1') return { ok: true, env: [], options, notes: [] };
    return {
      ok: false,
      reason:
        'no tag given: submit with bsub -a "docker_build(REPO/NAME:TAG)" -- [docker build options] CONTEXT',
    };
  }
  if (text.includes(','))
    return { ok: false, reason: `${arg.source}: "${text}": docker_build() takes one tag` };
  const parsed = parseImageRef(text);
  if (!parsed.ok) return { ok: false, reason: `${arg.source}: "${text}" ${parsed.reason}` };
  if (parsed.ref.digest) return { ok: false, reason: `${arg.source}: "${text}" is a digest, not a tag` };
  if (!registryAllowed(parsed.ref, input.config.build.allowRegistries)) {
    return {
      ok: false,
      reason: `${arg.source}: registry ${parsed.ref.registry} of "${text}" is not allowed for builds (allowed: ${input.config.build.allowRegistries.join(', ')})`,
    };
  }
  return { ok: true, env: [['LSB_DOCKER_BUILD_TAG', text]], options, notes: [] };
}

/**
 * esub.docker_exec: `-a "docker_exec(JOBID)"` (or JOBID[INDEX]): the job runs its command inside
 * the container of that running job (RIS's docker_exec). Whether the job is the user's own is
 * checked when it runs (docker_exec refuses another user's job); here only the id's form.
 */
export function decideExecEsub(input: EsubInput): EsubDecision {
  const arg = argumentOf(input, DOCKER_EXEC_APP);
  const text = arg.text?.trim();
  if (text === undefined || text === '') {
    return { ok: false, reason: 'no job given: submit with bsub -a "docker_exec(JOBID)" COMMAND' };
  }
  if (parseJobTarget(text) === undefined) {
    return { ok: false, reason: `${arg.source}: "${text}" is not a job id (${JOB_TARGET_FORM})` };
  }
  return {
    ok: true,
    env: [['LSB_DOCKER_EXEC_JOBID', text]],
    options: [['LSB_SUB_APP_NAME', DOCKER_EXEC_APP]],
    notes: [],
  };
}
