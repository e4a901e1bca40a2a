import type { Config } from '../../config/schema.js';
import { ExitCode } from '../../kernel/exit-codes.js';
import { formatSize } from '../../kernel/grammar/size.js';
import type { IdentitySpec, NetworkSpec, ResourcesSpec } from '../../runtime/container-spec.js';
import type { RuntimeCapabilities } from '../../runtime/types.js';
import { Findings, type Ruling } from './rule.js';

/**
 * What the runtime on this host cannot give the job, judged from its capabilities (a typed fact,
 * never its name), after the other rules decided the job: limits it cannot enforce (refused with
 * 228, or run with a WARNING, as [resources] unenforceable says), host groups it cannot map (a
 * WARNING naming them, and the groups dropped), docker's host-gateway it does not know (refused).
 * Never silent: every difference is a refusal or a line in the job's output.
 */
/** The parts the other rules decided (a part they refused is missing: the rest is still judged). */
export interface RuntimeFitInput {
  identity?: IdentitySpec;
  resources?: ResourcesSpec;
  network?: NetworkSpec;
}

export interface RuntimeFit {
  /** The identity the runtime can give (undefined when the identity rule refused). */
  identity: IdentitySpec | undefined;
  /** Lines the job's output shows before it runs. */
  warnings: string[];
}

/** The limits of RESOURCES that a cgroup enforces, in words. Pure. */
export function cgroupLimits(resources: ResourcesSpec): string[] {
  const limits: string[] = [];
  if (resources.memory !== undefined) limits.push(`memory ${formatSize(resources.memory)}`);
  limits.push(`cpu shares ${resources.cpuShares}`);
  if (resources.pidsLimit > 0) limits.push(`pids limit ${resources.pidsLimit}`);
  if (resources.cgroupParent) limits.push(`cgroup parent ${resources.cgroupParent}`);
  return limits;
}

function checkLimits(
  resources: ResourcesSpec | undefined,
  caps: RuntimeCapabilities,
  config: Config,
  found: Findings,
): string[] {
  if (caps.enforcesLimits || !resources) return [];
  const what = `${caps.summary} cannot enforce ${cgroupLimits(resources).join(', ')}`;
  if (config.resources.unenforceable === 'warn') {
    found.decide(`${what}: run without them ([resources] unenforceable = warn)`);
    return [`WARNING: ${what}: the job runs without them ([resources] unenforceable = warn)`];
  }
  found.refuseWith(
    ExitCode.UNENFORCEABLE_LIMITS,
    '[resources] unenforceable',
    `${what}: the job is refused (the admin may set unenforceable = warn to run such jobs without them)`,
  );
  return [];
}

function keepGroups(identity: IdentitySpec | undefined, caps: RuntimeCapabilities, found: Findings) {
  if (!identity || caps.hostGroups || identity.groups.length === 0) return { identity, warnings: [] };
  const named = identity.groups.map((g) => {
    const name = identity.groupNames.get(g);
    return name ? `${name}(${g})` : String(g);
  });
  found.decide(`host groups ${named.join(', ')} dropped: ${caps.summary} cannot map them`);
  const warning = `WARNING: ${caps.summary} cannot give the job your host groups ${named.join(', ')}: files only those groups may use on the host are not accessible in the job`;
  return { identity: { ...identity, groups: [] }, warnings: [warning] };
}

function checkHostGateway(
  network: NetworkSpec | undefined,
  caps: RuntimeCapabilities,
  found: Findings,
): void {
  if (caps.hostGateway || !network) return;
  for (const h of network.extraHosts.filter((e) => e.address === 'host-gateway')) {
    found.refuse(
      'LSF_DOCKER_ADD_HOST',
      `"${h.name}:host-gateway": host-gateway is docker's name for the host and ${caps.summary} does not know it: give the host's IP address`,
    );
  }
}

/** The parts of the job the runtime can give it, with the warnings for what it cannot; or the refusals. */
export function runtimeFitRule(
  part: RuntimeFitInput,
  caps: RuntimeCapabilities,
  config: Config,
): Ruling<RuntimeFit> {
  const found = new Findings();
  const limits = checkLimits(part.resources, caps, config, found);
  const groups = keepGroups(part.identity, caps, found);
  checkHostGateway(part.network, caps, found);
  return found.ruling({ identity: groups.identity, warnings: [...limits, ...groups.warnings] });
}
