import type { Config } from '../config/schema.js';
import type { Identity } from '../host/identity.js';
import type { HostProbe } from '../host/probe.js';
import { policyRefusals } from '../kernel/problems.js';
import type { JobRequest } from '../request/job-request.js';
import type { ContainerSpec } from '../runtime/container-spec.js';
import { type CommandPart, commandRule } from './rules/command.js';
import { devicesRule } from './rules/devices.js';
import { environmentRule } from './rules/environment.js';
import { identityRule, namingRule } from './rules/identity.js';
import { imageRule } from './rules/image.js';
import { mountsRule } from './rules/mounts.js';
import { networkRule } from './rules/network.js';
import { resourcesRule } from './rules/resources.js';
import { Findings, type Problem, type RuleContext } from './rules/rule.js';
import { securityRule } from './rules/security.js';

export interface PolicyInput {
  request: JobRequest;
  config: Config;
  identity: Identity;
  probe: HostProbe;
}

/** Every refusal at once: one line each, named by its variable. */
function throwAll(problems: Problem[]): void {
  const refusals = policyRefusals();
  for (const p of problems) refusals.add(p.variable, p.message);
  refusals.throwIfAny();
}

const NO_COMMAND: CommandPart = { command: [], mounts: [] };

/**
 * Decides the container: JobRequest x Config x Identity -> ContainerSpec, or every refusal at
 * once. Each concern is one rule (lib/policy/rules/); this only composes them, in the order their
 * decisions and refusals are reported. Pure apart from the probe's stat/realpath/read calls.
 */
export function decideContainerSpec({ request, config, identity, probe }: PolicyInput): ContainerSpec {
  const ctx: RuleContext = { config, identity, probe };
  const found = new Findings();
  const naming = found.merge(namingRule(request, ctx), { name: '', labels: [] });
  const image = found.merge(imageRule(request, ctx), { ref: request.imageText, pull: config.docker.pull });
  const ident = found.merge(identityRule(request, ctx), identity);
  const storage = found.merge(mountsRule(request, ctx), { mounts: [], workdir: request.job.subcwd });
  const command = found.merge(commandRule(request, ctx), NO_COMMAND);
  const security = found.merge(securityRule(request, ctx), {
    capAdd: [],
    selinuxLabels: [],
    noNewPrivileges: true,
  });
  const network = found.merge(networkRule(request, ctx), {
    hostname: probe.hostname,
    ports: [],
    extraHosts: [],
  });
  const resources = found.merge(resourcesRule(request, ctx), {
    cpuShares: 0,
    swap: 'none',
    ulimits: [],
    pidsLimit: 0,
  });
  const devices = found.merge(devicesRule(request, ctx), { paths: [], gpus: { kind: 'none' } });
  const jobTmpdir = storage.mounts.find((m) => m.origin === 'tmpdir')?.source;
  const env = found.merge(environmentRule(request, ctx, { gpus: devices.gpus, jobTmpdir }), []);
  throwAll(found.problems);
  return {
    ...naming,
    image,
    identity: ident,
    storage: { mounts: [...storage.mounts, ...command.mounts], workdir: storage.workdir },
    security,
    network,
    resources,
    devices,
    process: {
      entrypoint: command.entrypoint,
      command: command.command,
      script: command.script,
      env,
      interactive: request.job.interactive,
      tty: request.job.interactive && probe.stdinIsTty(),
      init: true,
    },
    decisions: found.decisions,
  };
}
