import { type ControlArgv, controlResult, DOCKER_CONTROL_ARGV, DockerControl } from '../docker/control.js';
import type { ControlResult, RuntimeCapabilities, RuntimeClassifier, RuntimeExec } from '../types.js';
import { oomKillOf } from './kmsg.js';

/**
 * docker's control table with podman's rows: `rm --force` waits 10 s for the stop signal unless
 * told `--time=0`. (No `events` row: podman 4.3 records no OOM event; see kmsg.ts.)
 */
export const PODMAN_CONTROL_ARGV: Readonly<ControlArgv> = {
  ...DOCKER_CONTROL_ARGV,
  remove: (target) => ['rm', '--force', '--volumes', '--time=0', target],
};

/** `top TARGET hpid pid`: each process's host pid and its pid inside the container. */
export const topArgv = (target: string) => ['top', target, 'hpid', 'pid'];

/** The (host pid, container pid) pairs of `podman top CTR hpid pid` output. Pure. */
export function parseTopPairs(stdout: string): Array<{ host: number; inner: number }> {
  const [header, ...rows] = stdout.split('\n');
  const columns = (header ?? '').trim().split(/\s+/);
  const h = columns.indexOf('HPID');
  const p = columns.indexOf('PID');
  if (h < 0 || p < 0) return [];
  return rows.flatMap((row) => {
    const cells = row.trim().split(/\s+/);
    const host = Number(cells[h]);
    const inner = Number(cells[p]);
    return Number.isInteger(host) && host > 0 && Number.isInteger(inner) ? [{ host, inner }] : [];
  });
}

/** What a podman control needs of the host: its capabilities, the kernel log, a signal sender. */
export interface PodmanControlHost {
  capabilities: RuntimeCapabilities;
  kmsg: () => string[];
  kill: (pid: number, signal: NodeJS.Signals) => void;
}

/** How many times the container's processes are listed and stopped (a child forked meanwhile is caught next time). */
const STOP_ROUNDS = 3;

/**
 * One job's container under podman. OOM: the kernel log (rootful; rootless there are no limits to
 * hit). Pause without a freezer (rootless on cgroup v1): SIGSTOP to every process of the container
 * but its init, by host pid (they are the user's own), and SIGCONT to resume.
 */
export class PodmanControl extends DockerControl {
  constructor(
    exec: RuntimeExec,
    classify: RuntimeClassifier,
    name: string,
    cidfile: string,
    private readonly host: PodmanControlHost,
  ) {
    super(exec, classify, name, cidfile, PODMAN_CONTROL_ARGV);
  }

  override async wasOomKilled(_sinceMs: number): Promise<boolean> {
    if (this.host.capabilities.rootless) return false;
    return oomKillOf(this.host.kmsg(), this.target());
  }

  override pause(): Promise<ControlResult> {
    return this.host.capabilities.pauseResume ? super.pause() : this.signalProcesses('SIGSTOP');
  }

  override resume(): Promise<ControlResult> {
    return this.host.capabilities.pauseResume ? super.resume() : this.signalProcesses('SIGCONT');
  }

  private async signalProcesses(signal: NodeJS.Signals): Promise<ControlResult> {
    const done = new Set<number>();
    for (let round = 0; round < STOP_ROUNDS; round++) {
      const top = await this.exec.call(topArgv(this.target()), { timeout: 10 });
      if (top.exitCode !== 0) return done.size > 0 ? { ok: true } : controlResult(top, this.classify);
      const fresh = parseTopPairs(top.stdout).filter((p) => p.inner !== 1 && !done.has(p.host));
      if (fresh.length === 0) break;
      for (const { host } of fresh) {
        done.add(host);
        try {
          this.host.kill(host, signal);
        } catch {
          // ended meanwhile
        }
      }
      if (signal === 'SIGCONT') break;
    }
    return { ok: true };
  }
}
