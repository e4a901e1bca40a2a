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

/** `docker rm` at once (SIGKILL, no grace period) with the container's anonymous volumes. */
export const removeArgv = (target: string) => ['rm', '--force', '--volumes', target];

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
    return this.run(['kill', `--signal=${signal}`, this.target()]);
  }

  pause() {
    return this.run(['pause', this.target()]);
  }

  resume() {
    return this.run(['unpause', this.target()]);
  }

  /** Kills (SIGKILL) and removes the container with its anonymous volumes (absent: it was not there). */
  remove(): Promise<ControlResult> {
    return this.run(removeArgv(this.target()));
  }

  /** Asks the daemon's event log whether the container (already auto-removed) was killed by the OOM killer. */
  async wasOomKilled(sinceMs: number): Promise<boolean> {
    const result = await this.exec.call([
      'events',
      '--since',
      String(Math.floor(sinceMs / 1000) - 1),
      '--until',
      String(Math.ceil(Date.now() / 1000)),
      '--filter',
      `container=${this.target()}`,
      '--filter',
      'event=oom',
      '--format',
      '{{.Status}}',
    ]);
    return result.exitCode === 0 && /oom/.test(result.stdout);
  }

  protected async run(args: string[]): Promise<ControlResult> {
    return controlResult(await this.exec.call(args), this.classify);
  }
}
