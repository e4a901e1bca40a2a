import { WrapperError } from '../kernel/errors.js';
import { ExitCode } from '../kernel/exit-codes.js';
import type { ImageRef } from '../kernel/grammar/image.js';
import { Problems } from '../kernel/problems.js';
import type { BuildPlan, BuildPolicyInput, PathCheck } from './build-types.js';
import { GIT_AS_ROOT } from './build-types.js';
import { type ContextRef, parseContextRef } from './context-ref.js';
import { judge } from './option-rules.js';
import { decideTag } from './tags.js';

export type { Builder, BuildPlan, BuildPolicyInput, PathCheck } from './build-types.js';
export { GIT_AS_ROOT } from './build-types.js';

/** Every refused option or tag (one line each), collected before anything is thrown. */
class Refusals extends Problems {
  refuse(bad: boolean, subject: string, reason: string): void {
    this.push(new WrapperError(bad ? ExitCode.BAD_REQUEST : ExitCode.BUILD_REFUSED, reason, subject));
  }
}

type TagText = { subject: string; text: string };

/** The options' words for docker, the files to check, the -f and --iidfile values, the tags asked. */
function judgeOptions(input: BuildPolicyInput, local: boolean, refusals: Refusals, decisions: string[]) {
  const argv: string[] = [];
  const pathChecks: PathCheck[] = [];
  const tagTexts: TagText[] = [];
  let dockerfile: string | undefined;
  let iidfile: string | undefined;
  const written = new Set<string>();
  const ctx = { ...input, local, privateIidfile: input.asRoot?.privateIidfile };
  for (const option of input.args.options) {
    written.add(option.def.long);
    const verdict = judge(option, ctx);
    if (!verdict.ok) {
      refusals.refuse(verdict.bad, option.written, verdict.reason);
      continue;
    }
    if (verdict.note) decisions.push(verdict.note);
    if (option.def.check === 'tag') {
      tagTexts.push({ subject: option.written, text: option.value });
      continue;
    }
    if (option.def.check === 'file') dockerfile = verdict.argv[0]!.slice('--file='.length);
    if (option.def.long === 'iidfile' && input.asRoot) iidfile = verdict.checks?.[0]?.path;
    argv.push(...verdict.argv);
    pathChecks.push(...(verdict.checks ?? []));
  }
  if (input.builder === 'classic' && !written.has('force-rm') && !written.has('rm')) {
    argv.push('--force-rm');
    decisions.push('--force-rm added: a failed step leaves no container behind');
  }
  return { argv, pathChecks, tagTexts, dockerfile, iidfile };
}

/** Every tag normalised, in order, without duplicates; refused ones reported. */
function decideTags(input: BuildPolicyInput, texts: TagText[], refusals: Refusals, decisions: string[]) {
  const tags: ImageRef[] = [];
  const policy = {
    allowRegistries: input.config.build.allowRegistries,
    requireUserNamespace: input.config.build.requireUserNamespace,
  };
  for (const { subject, text } of texts) {
    const decision = decideTag(text, policy, input.identity);
    if (!decision.ok) {
      refusals.refuse(decision.bad, subject, decision.reason);
      continue;
    }
    if (tags.some((t) => t.canonical === decision.ref.canonical)) continue;
    tags.push(decision.ref);
    decisions.push(`tag ${decision.ref.canonical} (from ${subject})`);
  }
  return tags;
}

function contextOf(input: BuildPolicyInput, refusals: Refusals): ContextRef | undefined {
  const context = parseContextRef(input.args.context, input.cwd);
  if (!context.ok) refusals.refuse(true, 'CONTEXT', context.reason);
  else if (context.context.kind === 'git' && input.asRoot) refusals.refuse(false, 'CONTEXT', GIT_AS_ROOT);
  return context.ok ? context.context : undefined;
}

/**
 * Decides the whole build from the parsed words, the esub tag, the config and the user: the
 * argv for `docker build`, the tags to push and the file checks to make. Every refused option
 * or tag is reported (one line each); nothing here touches the disk or the daemon.
 */
export function decideBuild(input: BuildPolicyInput): BuildPlan {
  const refusals = new Refusals();
  const decisions: string[] = [];
  const context = contextOf(input, refusals);
  const options = judgeOptions(input, context?.kind === 'dir', refusals, decisions);
  const envTag = input.envTag?.trim();
  const tagTexts = envTag
    ? [{ subject: 'LSB_DOCKER_BUILD_TAG', text: envTag }, ...options.tagTexts]
    : options.tagTexts;
  const tags = decideTags(input, tagTexts, refusals, decisions);
  refusals.throwIfAny();
  if (!context) throw new Error('unreachable');

  const argv = ['build', ...options.argv, ...tags.map((t) => `--tag=${t.canonical}`)];
  const pathChecks = options.pathChecks;
  if (context.kind === 'dir') pathChecks.unshift({ kind: 'context', path: context.path });
  argv.push('--', context.kind === 'dir' ? context.path : context.url);
  const { dockerfile, iidfile } = options;
  if (iidfile)
    decisions.push(`--iidfile: docker writes ${input.asRoot!.privateIidfile}; copied to ${iidfile} as you`);
  return { argv, tags, context, dockerfile, iidfile, pathChecks, decisions };
}
