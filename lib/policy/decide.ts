import type { Config } from '../config/schema.js';
import type { Identity } from '../host/identity.js';
import type { HostProbe } from '../host/probe.js';
import { WrapperError } from '../kernel/errors.js';
import { policyRefusals } from '../kernel/problems.js';
import type { JobRequest } from '../request/job-request.js';
import type { ContainerSpec, JobScript } from '../runtime/container-spec.js';
import { DOCKER_CAPABILITIES } from '../runtime/docker/runtime.js';
import type { RuntimeCapabilities } from '../runtime/types.js';
import { commandRule } from './rules/command.js';
import { devicesRule } from './rules/devices.js';
import { environmentRule } from './rules/environment.js';
import { identityRule, namingRule } from './rules/identity.js';
import { imageRule } from './rules/image.js';
import { mountsRule } from './rules/mounts.js';
import { networkRule } from './rules/network.js';
import { resourcesRule } from './rules/resources.js';
import { Findings, type Problem, type RuleContext } from './rules/rule.js';
import { runtimeFitRule } from './rules/runtime-fit.js';
import { securityRule } from './rules/security.js';

export interface PolicyInput {
  request: JobRequest;
  config: Config;
  identity: Identity;
  probe: HostProbe;
  /** What the runtime can do on this host (lib/runtime/capabilities.ts); docker's when not given. */
  runtime?: RuntimeCapabilities;
}

/** Every refusal at once: one line each, named by its variable. */
function throwAll(problems: Problem[]): void {
  const refusals = policyRefusals();
  for (const p of problems) {
    if (p.code === undefined) refusals.add(p.variable, p.message);
    else refusals.push(new WrapperError(p.code, p.message, p.variable));
  }
  refusals.throwIfAny();
}

/** The job script, entering CDINTO first (as the user) when the workdir must not be the runtime's to create. */
function withCd(script: JobScript, cdInto: string | undefined): JobScript {
  // CDINTO is a checked path (no quotes, no white space): single quotes keep it one word.
  return cdInto ? { words: [`cd -- '${cdInto}' || exit 1\n`, ...script.words] } : script;
}

/**
 * Decides the container: JobRequest x Config x Identity -> ContainerSpec, or every refusal at
 * once. Each concern is one rule (lib/policy/rules/); this only composes them, in the order their
 * decisions and refusals are reported. Pure apart from the probe's stat/realpath/read calls.
 */
export function decideContainerSpec(input: PolicyInput): ContainerSpec {
  const { request, config, identity, probe } = input;
  const ctx: RuleContext = { config, identity, probe };
  const found = new Findings();
  const naming = found.take(namingRule(request, ctx));
  const image = found.take(imageRule(request, ctx));
  const ident = found.take(identityRule(request, ctx));
  const storage = found.take(mountsRule(request, ctx));
  const command = found.take(commandRule(request, ctx));
  const security = found.take(securityRule(request, ctx));
  const network = found.take(networkRule(request, ctx));
  const resources = found.take(resourcesRule(request, ctx));
  const devices = found.take(devicesRule(request, ctx));
  // The environment depends on the GPUs passed and the tmpdir mounted; its own problems count even when those were refused.
  const jobTmpdir = storage?.mounts.find((m) => m.origin === 'tmpdir')?.source;
  const env = found.take(
    environmentRule(request, ctx, { gpus: devices?.gpus ?? { kind: 'none' }, jobTmpdir }),
  );
  // What the runtime cannot give the job, judged last, on what the other rules decided.
  const caps = input.runtime ?? DOCKER_CAPABILITIES;
  const fit = found.take(runtimeFitRule({ identity: ident, resources, network }, caps, config));
  throwAll(found.problems);
  const script = command!.script && withCd(command!.script, storage!.cdInto);
  return {
    ...naming!,
    image: image!,
    identity: fit!.identity!,
    storage: { mounts: [...storage!.mounts, ...command!.mounts], workdir: storage!.workdir },
    security: security!,
    network: network!,
    resources: resources!,
    devices: devices!,
    process: {
      entrypoint: command!.entrypoint,
      command: command!.command,
      script,
      envFile: env!,
      interactive: request.job.interactive,
      tty: request.job.interactive && probe.stdinIsTty(),
      init: true,
    },
    decisions: found.decisions,
    warnings: fit!.warnings,
  };
}
