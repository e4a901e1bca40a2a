import { readFileSync, statSync } from 'node:fs';
import type {
  CallResult,
  ContainerControl,
  ControlResult,
  RuntimeClassifier,
  RuntimeExec,
} from '../types.js';

/** A control call's result in the seam's terms: absent containers told apart from other failures. */
export function controlResult(result: CallResult, classify: RuntimeClassifier): ControlResult {
  if (result.exitCode === 0) return { ok: true };
  return { ok: false, absent: classify.containerAbsent(result), message: result.stderr.trim() };
}

/** The argv of each control call on TARGET (an id or a name): one table, so that a runtime overrides a row. */
export interface ControlArgv {
  signal(target: string, signal: string): string[];
  pause(target: string): string[];
  resume(target: string): string[];
  /** At once (no grace period), with the container's anonymous volumes. */
  remove(target: string): string[];
  /** The OOM events of TARGET between SINCE and UNTIL (Unix seconds), one per line. */
  oomEvents(target: string, since: number, until: number): string[];
}

export const DOCKER_CONTROL_ARGV: Readonly<ControlArgv> = {
  signal: (target, signal) => ['kill', `--signal=${signal}`, target],
  pause: (target) => ['pause', target],
  resume: (target) => ['unpause', target],
  // docker rm --force sends SIGKILL at once (podman's waits for the stop timeout: its row adds --time=0).
  remove: (target) => ['rm', '--force', '--volumes', target],
  oomEvents: (target, since, until) => [
    'events',
    '--since',
    String(since),
    '--until',
    String(until),
    '--filter',
    `container=${target}`,
    '--filter',
    'event=oom',
    '--format',
    '{{.Status}}',
  ],
};

/**
 * Talks to one job's container through the daemon (never through the attached CLI): by the id
 * docker wrote to the cidfile, or by its unique name before that file exists.
 */
export class DockerControl implements ContainerControl {
  constructor(
    protected readonly exec: RuntimeExec,
    protected readonly classify: RuntimeClassifier,
    readonly name: string,
    private readonly cidfile: string,
    protected readonly argv: Readonly<ControlArgv> = DOCKER_CONTROL_ARGV,
  ) {}

  target(): string {
    try {
      const id = readFileSync(this.cidfile, 'utf8').trim();
      if (/^[0-9a-f]{12,64}$/.test(id)) return id;
    } catch {
      // not created yet
    }
    return this.name;
  }

  created(): boolean {
    try {
      return statSync(this.cidfile).size > 0;
    } catch {
      return false;
    }
  }

  signal(signal: string) {
    return this.run(this.argv.signal(this.target(), signal));
  }

  pause() {
    return this.run(this.argv.pause(this.target()));
  }

  resume() {
    return this.run(this.argv.resume(this.target()));
  }

  /** Kills (SIGKILL) and removes the container with its anonymous volumes (absent: it was not there). */
  remove(): Promise<ControlResult> {
    return this.run(this.argv.remove(this.target()));
  }

  /** Asks the daemon's event log whether the container (already auto-removed) was killed by the OOM killer. */
  async wasOomKilled(sinceMs: number): Promise<boolean> {
    const since = Math.floor(sinceMs / 1000) - 1;
    const result = await this.exec.call(
      this.argv.oomEvents(this.target(), since, Math.ceil(Date.now() / 1000)),
    );
    return result.exitCode === 0 && /oom/.test(result.stdout);
  }

  protected async run(args: string[]): Promise<ControlResult> {
    return controlResult(await this.exec.call(args), this.classify);
  }
}
