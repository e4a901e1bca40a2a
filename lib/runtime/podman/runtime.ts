import type { JobFiles } from '../../host/private-dir.js';
import { parseImageRef } from '../../kernel/grammar/image.js';
import { runArgvOf } from '../docker/argv/run.js';
import { DockerRuntime } from '../docker/runtime.js';
import type {
  ContainerControl,
  ExecOptions,
  RunInput,
  RuntimeCapabilities,
  RuntimeClassifier,
  RuntimeExec,
} from '../types.js';
import { podmanRunSections } from './argv.js';
import { PodmanClassifier } from './classify.js';
import { PODMAN_CONTROL_ARGV, PodmanControl, parseTopPairs, topArgv } from './control.js';
import { readKmsg } from './kmsg.js';

/** What a podman runtime is told at construction: what it can do here, the admin's plain-HTTP registries. */
export interface PodmanSettings {
  capabilities: RuntimeCapabilities;
  /** [images] insecure_registries: pull, login and push there with --tls-verify=false. */
  insecureRegistries: readonly string[];
  /** The kernel log (OOM evidence, rootful); /dev/kmsg unless a test gives its own. */
  kmsg?: () => string[];
  /** Sends a signal to a host pid (pause without a freezer); process.kill unless a test gives its own. */
  kill?: (pid: number, signal: NodeJS.Signals) => void;
}

/** The registry host[:port] of a login server as the user may write it (a URL, or a host). Pure. */
export function serverRegistry(server: string): string {
  return server.replace(/^[a-z]+:\/\//i, '').split('/')[0] ?? server;
}

/**
 * Podman behind the runtime seam: docker's runtime with podman's classifier, control rows, OOM
 * evidence, the run argv sections that differ (identity, security, process, resources, devices),
 * an exec that keeps the container's groups, and --tls-verify=false for the admin's plain-HTTP
 * registries. Rootless when the program runs as the user, rootful as root (the sudo rule).
 */
export class PodmanRuntime extends DockerRuntime {
  override readonly name = 'podman' as const;
  override readonly capabilities: RuntimeCapabilities;
  override readonly classify: RuntimeClassifier;
  protected override readonly controlArgv = PODMAN_CONTROL_ARGV;

  constructor(
    exec: RuntimeExec,
    private readonly settings: PodmanSettings,
  ) {
    super(exec);
    this.capabilities = settings.capabilities;
    this.classify = new PodmanClassifier(exec.binary);
  }

  /** --tls-verify=false when REGISTRY is one the admin listed as plain HTTP. */
  private tls(registry: string): string[] {
    return this.settings.insecureRegistries.includes(registry) ? ['--tls-verify=false'] : [];
  }

  private imageTls(image: string): string[] {
    const parsed = parseImageRef(image);
    return parsed.ok ? this.tls(parsed.ref.registry) : [];
  }

  override runArgv(input: RunInput, files: JobFiles): string[] {
    return runArgvOf(podmanRunSections(this.capabilities), input, files);
  }

  override pullArgv(image: string): string[] {
    return ['pull', ...this.imageTls(image), '--', image];
  }

  override loginArgv(server: string, user: string): string[] {
    return ['login', '--username', user, '--password-stdin', ...this.tls(serverRegistry(server)), server];
  }

  override pushArgv(ref: string): string[] {
    return ['push', ...this.imageTls(ref), '--', ref];
  }

  /** `podman info`: no daemon to ask for a version; info proves the user's store and set-up work. */
  override versionArgv(): string[] {
    const what =
      'podman {{.Version.Version}}, {{.Store.GraphDriverName}} store, cgroup {{.Host.CgroupsVersion}}, rootless {{.Host.Security.Rootless}}';
    return ['info', '--format', what];
  }

  /**
   * No --user: podman's exec with --user keeps only the primary group (docker keeps the
   * --group-adds); without it the process inherits the container's user and groups, which are
   * the job's (docker_exec checked the container is the caller's).
   */
  override execArgv(container: string, opts: ExecOptions): string[] {
    const a = ['exec', `--env-file=${opts.envFile}`];
    if (opts.interactive) a.push('--interactive');
    if (opts.tty) a.push('--tty');
    return [...a, '--', container, ...opts.command];
  }

  override control(name: string, cidfile: string): ContainerControl {
    return new PodmanControl(this.exec, this.classify, name, cidfile, {
      capabilities: this.capabilities,
      kmsg: this.settings.kmsg ?? readKmsg,
      kill: this.settings.kill ?? ((pid, signal) => process.kill(pid, signal)),
    });
  }

  /** Host pids from podman's own `hpid` column (`top CTR -eo pid` would run ps inside the container). */
  override async hostPids(container: string): Promise<number[]> {
    const top = await this.exec.call(topArgv(container), { timeout: 10 });
    return top.exitCode === 0 ? parseTopPairs(top.stdout).map((p) => p.host) : [];
  }
}
