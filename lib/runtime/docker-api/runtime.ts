import type { JobFiles } from '../../host/private-dir.js';
import type { Logger } from '../../kernel/log/logger.js';
import { quoteArgv } from '../../kernel/quote.js';
import { graphDriverLayers, matchingLabels, parseInspect } from '../docker/find.js';
import { DockerRuntime } from '../docker/runtime.js';
import type {
  ContainerControl,
  ControlResult,
  FoundContainer,
  ImageLayers,
  RunInput,
  RuntimeExec,
  Spawned,
  SpawnStdio,
} from '../types.js';
import { ApiClassifier, apiDaemonProblem } from './classify.js';
import { type EngineClient, errorMessage } from './client.js';
import { ApiControl, removeContainer } from './control.js';
import { type LaunchOptions, launchContainer } from './launch.js';

/** Where the job's streams go: the wrapper's own unless a test gives others. */
export type LaunchIo = Pick<LaunchOptions, 'stdout' | 'stderr' | 'stdin'>;

/** The label filter of a container list, as the API takes it. Pure. */
export function labelFilters(query: Readonly<Record<string, string>>): string {
  const labels = Object.entries(query).map(([k, v]) => `${k}=${v}`);
  return encodeURIComponent(JSON.stringify({ label: labels }));
}

/** The PID column of the API's top answer ({Titles, Processes}). Pure. */
export function topPids(text: string): number[] {
  try {
    const top = JSON.parse(text) as { Titles?: string[]; Processes?: string[][] };
    const column = (top.Titles ?? []).indexOf('PID');
    if (column < 0) return [];
    return (top.Processes ?? [])
      .map((row) => row[column])
      .filter((p): p is string => p !== undefined && /^\d+$/.test(p))
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * Docker through its Engine API for the job's hot path: the run (create, attach, wait, start),
 * its control (kill, pause, unpause, remove, OOM events), label queries, image presence, the
 * image's layers and top, over the daemon's unix socket, with no CLI process. The CLI stays for what needs its
 * client side: pulls (registry credentials and helpers), exec, build, login, push, and the runs
 * of jobs with a terminal (raw mode, resizing).
 */
export class DockerApiRuntime extends DockerRuntime {
  override readonly classify: ApiClassifier;

  constructor(
    exec: RuntimeExec,
    readonly client: EngineClient,
    private readonly log: Logger,
    private readonly io: LaunchIo = {},
  ) {
    super(exec);
    this.classify = new ApiClassifier(exec.binary, client.socketPath);
  }

  startRun(input: RunInput, files: JobFiles, stdio: SpawnStdio, opts: { detached: boolean }): Spawned {
    if (input.process.tty) return this.exec.spawn(this.runArgv(input, files), stdio, opts);
    // The argv only made for the DEBUG line (the same container, as the CLI would run it).
    if (this.log.debugEnabled)
      this.log.debug(`engine api: ${quoteArgv([this.exec.binary, ...this.runArgv(input, files)])}`);
    const launch = { ...this.io, client: this.client, log: this.log, timeout: this.exec.timeout };
    return launchContainer(input, files, stdio, launch);
  }

  override async imagePresent(image: string): Promise<boolean> {
    const answer = await this.short({ method: 'GET', path: `/images/${image}/json` });
    if (answer.status === 200) return true;
    if (answer.status === 404) return false;
    throw new Error(`docker image inspect ${image}: ${errorMessage(answer.text, answer.status)}`);
  }

  /** The image's overlay2 layer dirs from the image's inspect answer, as the CLI's {{json .GraphDriver}}. */
  override async imageLayers(image: string): Promise<ImageLayers> {
    const answer = await this.short({ method: 'GET', path: `/images/${image}/json` });
    if (answer.status !== 200) return { kind: 'absent' };
    try {
      const driver = (JSON.parse(answer.text) as { GraphDriver?: unknown }).GraphDriver;
      return graphDriverLayers(JSON.stringify(driver ?? null));
    } catch {
      return { kind: 'unreadable', driver: 'unknown' };
    }
  }

  override control(name: string, cidfile: string): ContainerControl {
    return new ApiControl(this.client, this.exec, this.classify, name, cidfile);
  }

  override async find(query: Readonly<Record<string, string>>): Promise<FoundContainer[]> {
    const listed = await this.short({
      method: 'GET',
      path: `/containers/json?all=1&filters=${labelFilters(query)}`,
    });
    if (listed.status !== 200) throw new Error(`docker ps: ${errorMessage(listed.text, listed.status)}`);
    const ids = (JSON.parse(listed.text) as Array<{ Id?: unknown }>).map((c) => String(c.Id));
    const inspected: unknown[] = [];
    for (const id of ids) {
      const one = await this.short({ method: 'GET', path: `/containers/${id}/json` });
      // Removed between the list and now: not there any more.
      if (one.status === 200) inspected.push(JSON.parse(one.text));
    }
    return matchingLabels(parseInspect(JSON.stringify(inspected)) ?? [], query);
  }

  override remove(id: string): Promise<ControlResult> {
    return removeContainer(this.client, id);
  }

  override async hostPids(container: string): Promise<number[]> {
    try {
      const top = await this.client.call(
        { method: 'GET', path: `/containers/${container}/top?ps_args=-eo%20pid` },
        10,
      );
      return top.status === 200 ? topPids(top.text) : [];
    } catch {
      return [];
    }
  }

  /** A short call whose failure to get an answer is the daemon's problem (215, 216). */
  private async short(req: Parameters<EngineClient['call']>[0]) {
    try {
      return await this.client.call(req);
    } catch (err) {
      throw apiDaemonProblem(err, this.client.socketPath) ?? err;
    }
  }
}
