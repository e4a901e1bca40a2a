import { readFileSync } from 'node:fs';
import type { DockerCli } from './cli.js';

/**
 * Talks to one job's container through the daemon (never through the attached CLI): by the id
 * docker wrote to the cidfile, or by its unique name before that file exists.
 */
export class ContainerControl {
  constructor(
    private readonly cli: DockerCli,
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

  kill(signal: string) {
    return this.cli.call(['kill', `--signal=${signal}`, this.target()]);
  }

  pause() {
    return this.cli.call(['pause', this.target()]);
  }

  unpause() {
    return this.cli.call(['unpause', this.target()]);
  }

  /** Kills (SIGKILL) and removes the container with its anonymous volumes; a missing container is fine. */
  remove() {
    return this.cli.call(['rm', '--force', '--volumes', this.target()]);
  }
}
