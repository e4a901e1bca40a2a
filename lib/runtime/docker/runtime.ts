import type { JobFiles } from '../../host/private-dir.js';
import type {
  ContainerControl,
  ContainerRuntime,
  ControlResult,
  ExecOptions,
  FoundContainer,
  ImageLayers,
  ImageStore,
  RunInput,
  RuntimeCapabilities,
  RuntimeClassifier,
  RuntimeExec,
} from '../types.js';
import { dockerPullArgv, dockerRunArgv } from './argv/run.js';
import { DockerClassifier } from './classify.js';
import { type ControlArgv, controlResult, DOCKER_CONTROL_ARGV, DockerControl } from './control.js';
import { graphDriverLayers, matchingLabels, parseIds, parseInspect, parseTopPids, psArgv } from './find.js';
import { DockerImageStore } from './images.js';

export const DOCKER_CAPABILITIES: RuntimeCapabilities = {
  name: 'docker',
  rootless: false,
  summary: 'docker',
  enforcesLimits: true,
  pauseResume: true,
  capsStayInBoundingSet: true,
  gpusFlag: true,
  hostGroups: true,
  hostGateway: true,
};

/** The `docker exec` argv (without the binary) into CONTAINER as OPTS.user with an env-file. Pure. */
export function dockerExecArgv(container: string, opts: ExecOptions): string[] {
  const a = ['exec', '--user', opts.user, `--env-file=${opts.envFile}`];
  if (opts.interactive) a.push('--interactive');
  if (opts.tty) a.push('--tty');
  return [...a, '--', container, ...opts.command];
}

/**
 * Docker behind the runtime seam: its argv (run, pull, exec), what its CLI says (classify), one
 * container's control, and label queries parsed from JSON. Every process goes through EXEC.
 * A podman runtime extends this class and overrides what differs (see docs/architecture.md).
 */
export class DockerRuntime implements ContainerRuntime {
  readonly name: 'docker' | 'podman' = 'docker';
  readonly capabilities: RuntimeCapabilities = DOCKER_CAPABILITIES;
  readonly classify: RuntimeClassifier;
  readonly imageStore: ImageStore;
  /** The argv of the control calls (kill, pause, unpause, rm, events): a podman runtime overrides rows. */
  protected readonly controlArgv: Readonly<ControlArgv> = DOCKER_CONTROL_ARGV;

  constructor(readonly exec: RuntimeExec) {
    this.classify = new DockerClassifier(exec.binary);
    this.imageStore = new DockerImageStore(exec, this.classify, exec.binary);
  }

  runArgv(input: RunInput, files: JobFiles): string[] {
    return dockerRunArgv(input, files);
  }

  pullArgv(image: string): string[] {
    return dockerPullArgv(image);
  }

  execArgv(container: string, opts: ExecOptions): string[] {
    return dockerExecArgv(container, opts);
  }

  loginArgv(server: string, user: string): string[] {
    return ['login', '--username', user, '--password-stdin', server];
  }

  pushArgv(ref: string): string[] {
    return ['push', '--', ref];
  }

  versionArgv(): string[] {
    return ['version', '--format', 'client / server {{.Client.Version}} / {{.Server.Version}}'];
  }

  async imagePresent(image: string): Promise<boolean> {
    const result = await this.exec.call(['image', 'inspect', '--format', '{{.Id}}', '--', image]);
    const problem = this.classify.daemon(result, 'image inspect', this.exec.timeout);
    if (problem) throw problem;
    return result.exitCode === 0;
  }

  control(name: string, cidfile: string): ContainerControl {
    return new DockerControl(this.exec, this.classify, name, cidfile, this.controlArgv);
  }

  async find(query: Readonly<Record<string, string>>): Promise<FoundContainer[]> {
    const listed = await this.exec.call(psArgv(query));
    if (listed.exitCode !== 0) {
      throw (
        this.classify.daemon(listed, 'ps', this.exec.timeout) ??
        new Error(`${this.name} ps: ${listed.stderr.trim()}`)
      );
    }
    const ids = parseIds(listed.stdout);
    if (ids.length === 0) return [];
    const inspected = await this.exec.call(['container', 'inspect', ...ids]);
    const found = parseInspect(inspected.stdout);
    if (found === undefined) {
      throw (
        this.classify.daemon(inspected, 'inspect', this.exec.timeout) ??
        new Error(`${this.name} inspect: ${inspected.stderr.trim()}`)
      );
    }
    return matchingLabels(found, query);
  }

  async remove(id: string): Promise<ControlResult> {
    return controlResult(await this.exec.call(this.controlArgv.remove(id)), this.classify);
  }

  async imageLayers(image: string): Promise<ImageLayers> {
    const r = await this.exec.call(['image', 'inspect', '--format', '{{json .GraphDriver}}', '--', image]);
    return r.exitCode === 0 ? graphDriverLayers(r.stdout) : { kind: 'absent' };
  }

  async hostPids(container: string): Promise<number[]> {
    const top = await this.exec.call(['top', container, '-eo', 'pid'], { timeout: 10 });
    return top.exitCode === 0 ? parseTopPids(top.stdout) : [];
  }
}
