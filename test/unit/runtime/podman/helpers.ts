/**
 * What the podman unit tests share: capabilities for rootless/rootful on cgroup v1/v2, a spec
 * decided by the real policy for such a podman, and a scripted exec door.
 */
import type { Config } from '../../../../lib/config/schema.js';
import { decideContainerSpec } from '../../../../lib/policy/decide.js';
import type { ContainerSpec } from '../../../../lib/runtime/container-spec.js';
import { podmanCapabilities } from '../../../../lib/runtime/podman/capabilities.js';
import { PodmanRuntime, type PodmanSettings } from '../../../../lib/runtime/podman/runtime.js';
import type { CallResult, RuntimeCapabilities, RuntimeExec } from '../../../../lib/runtime/types.js';
import { ALICE, requestFor, testConfig, testHost } from '../../helpers/fixtures.js';

export const ROOTLESS_V1 = podmanCapabilities({ rootless: true, cgroup: 'v1', controllers: [] });
export const ROOTFUL_V1 = podmanCapabilities({ rootless: false, cgroup: 'v1', controllers: [] });
export const ROOTLESS_V2 = podmanCapabilities({
  rootless: true,
  cgroup: 'v2',
  controllers: ['cpuset', 'cpu', 'io', 'memory', 'pids'],
});

export const ok = (stdout = ''): CallResult => ({ exitCode: 0, stdout, stderr: '', timedOut: false });
export const fail = (stderr: string, exitCode = 125): CallResult => ({
  exitCode,
  stdout: '',
  stderr,
  timedOut: false,
});

/** A job decided by the real policy for a podman with CAPS (rootless jobs warned, not refused, by default here). */
export function podmanSpec(
  caps: RuntimeCapabilities,
  env: Record<string, string | undefined> = {},
  change: (c: Config) => void = (c) => {
    c.resources.unenforceable = 'warn';
  },
): ContainerSpec {
  return decideContainerSpec({
    request: requestFor(env, ['echo', 'hi']),
    config: testConfig(change),
    identity: ALICE,
    probe: testHost(),
    runtime: caps,
  });
}

/** An exec door answering by the command's first word; every argv recorded. */
export function scriptedExec(answers: Record<string, CallResult | ((args: string[]) => CallResult)> = {}) {
  const argvs: string[][] = [];
  const exec: RuntimeExec = {
    binary: 'podman',
    timeout: 7,
    call: async (args) => {
      argvs.push(args);
      const a = answers[args[0] ?? ''] ?? ok();
      return typeof a === 'function' ? a(args) : a;
    },
    spawn: () => {
      throw new Error('not in these tests');
    },
  };
  return { exec, argvs };
}

export function podman(
  caps: RuntimeCapabilities,
  answers: Parameters<typeof scriptedExec>[0] = {},
  settings: Partial<PodmanSettings> = {},
) {
  const { exec, argvs } = scriptedExec(answers);
  const runtime = new PodmanRuntime(exec, { capabilities: caps, insecureRegistries: [], ...settings });
  return { runtime, argvs };
}
