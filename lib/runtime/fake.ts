/**
 * An in-memory runtime for unit tests, the pair of lib/host/probe.ts and
 * test/unit/helpers/fake-host.ts: scripted outcomes (a run exits N, dies of a signal, is never
 * created, finds its image missing, is OOM-killed; pulls that fail), and every call recorded.
 * It speaks docker's messages, so the docker classifier judges what it says.
 *
 *   const runtime = fakeRuntime({ images: ['img'], runs: [{ exit: 0 }] });
 *   await runJob({ ..., runtime });
 *   expect(runtime.ops()).toEqual(['run']);
 */
import type { JobFiles } from '../host/private-dir.js';
import { DockerClassifier } from './docker/classify.js';
import { type FakeContainer as Container, FakeContainer, type FakeRun } from './fake-container.js';
import { FakeImageStore } from './fake-images.js';
import type {
  CallResult,
  ContainerControl,
  ContainerRuntime,
  ControlResult,
  ExecOptions,
  FoundContainer,
  ImageLayers,
  RunInput,
  RuntimeExec,
  Spawned,
  SpawnStdio,
} from './types.js';

export type { FakeRun } from './fake-container.js';

/** A scripted pull: it works (the image appears), or the CLI fails with STDERR; it takes AFTERMS. */
export type FakePull = 'ok' | { stderr?: string; timedOut?: boolean; afterMs?: number };

export interface FakeScript {
  /** Images on the host at the start. */
  images?: string[];
  /** The runs, in order; the last one repeats. Default: exit 0 at once. */
  runs?: FakeRun[];
  /** The pulls, in order; the last one repeats. Default: ok. */
  pulls?: FakePull[];
  /** What find() knows (filtered by label like the real one). */
  containers?: FoundContainer[];
  /** Host pids in a container (hostPids). */
  pids?: number[];
  /** What imageLayers answers (default: present in a store it cannot read, driver "fake"). */
  imageLayers?: ImageLayers;
  /** Every call fails as if the daemon's socket were missing. */
  daemonDown?: boolean;
  /** remove(id) fails for these ids, with this message. */
  removeFails?: Record<string, string>;
  /** The image store (GC, doctor); an empty one by default. */
  imageStore?: FakeImageStore;
}

/** One recorded call: what was asked (run, pull, signal, pause, resume, remove, ...) and its argument. */
export interface FakeCall {
  op: string;
  arg?: string;
}

const DAEMON_DOWN =
  'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?';
const ok = (stdout = ''): CallResult => ({ exitCode: 0, stdout, stderr: '', timedOut: false });
const failed = (stderr: string, timedOut = false): CallResult => ({
  exitCode: 1,
  stdout: '',
  stderr,
  timedOut,
});
const noSuchImage = (image: string) =>
  `docker: Error response from daemon: No such image: ${image}.\nSee 'docker run --help'.\n`;

export class FakeRuntime implements ContainerRuntime {
  readonly name = 'docker' as const;
  readonly capabilities = {
    name: 'docker' as const,
    rootless: false,
    summary: 'docker',
    enforcesLimits: true,
    pauseResume: true,
    capsStayInBoundingSet: true,
    gpusFlag: true,
    hostGroups: true,
    hostGateway: true,
  };
  readonly classify = new DockerClassifier('docker');
  readonly calls: FakeCall[] = [];
  /** Every run started, in order. */
  readonly containers: Container[] = [];
  readonly images: Set<string>;
  /** The argv of every long command spawned (run, exec). */
  readonly spawned: string[][] = [];
  readonly exec: RuntimeExec;
  readonly imageStore: FakeImageStore;
  private pulls = 0;

  constructor(readonly script: FakeScript = {}) {
    this.images = new Set(script.images ?? []);
    this.imageStore = script.imageStore ?? new FakeImageStore();
    this.exec = {
      binary: 'docker',
      timeout: 5,
      call: (args) => this.call(args),
      spawn: (args, stdio, opts) => this.spawn(args, stdio, opts),
    };
  }

  /** The ops recorded so far, as "op" or "op:arg". */
  ops(): string[] {
    return this.calls.map((c) => (c.arg === undefined ? c.op : `${c.op}:${c.arg}`));
  }

  private record(op: string, arg?: string): void {
    this.calls.push(arg === undefined ? { op } : { op, arg });
  }

  runArgv(input: RunInput, files: JobFiles): string[] {
    return ['run', `--name=${input.name}`, `--cidfile=${files.cidfile}`, '--', input.image.ref];
  }

  pullArgv(image: string): string[] {
    return ['pull', '--', image];
  }

  execArgv(container: string, opts: ExecOptions): string[] {
    return ['exec', '--user', opts.user, `--env-file=${opts.envFile}`, '--', container, ...opts.command];
  }

  loginArgv(server: string, user: string): string[] {
    return ['login', '--username', user, '--password-stdin', server];
  }

  pushArgv(ref: string): string[] {
    return ['push', '--', ref];
  }

  versionArgv(): string[] {
    return ['version'];
  }

  async imagePresent(image: string): Promise<boolean> {
    this.record('imagePresent', image);
    if (this.script.daemonDown) throw this.classify.daemon(failed(DAEMON_DOWN), 'image inspect', 5);
    return this.images.has(image);
  }

  private async call(args: string[]): Promise<CallResult> {
    if (args[0] !== 'pull') {
      this.record(args[0] ?? '');
      return this.script.daemonDown ? failed(DAEMON_DOWN) : ok();
    }
    const image = args.at(-1) ?? '';
    this.record('pull', image);
    if (this.script.daemonDown) return failed(DAEMON_DOWN);
    const scripted = this.script.pulls ?? ['ok'];
    const pull = scripted[Math.min(this.pulls++, scripted.length - 1)] ?? 'ok';
    if (pull !== 'ok' && pull.afterMs) await new Promise((r) => setTimeout(r, pull.afterMs));
    if (pull !== 'ok' && pull.stderr !== undefined) return failed(pull.stderr, pull.timedOut);
    this.images.add(image);
    return ok(`Status: Downloaded newer image for ${image}`);
  }

  private spawn(args: string[], _stdio: SpawnStdio, _opts: { detached: boolean }): Spawned {
    const name = /^--name=(.*)$/.exec(args.find((a) => a.startsWith('--name=')) ?? '')?.[1] ?? '';
    const image = args.at(-1) ?? '';
    this.record(args[0] ?? '', image);
    this.spawned.push(args);
    const runs = this.script.runs ?? [{ exit: 0 }];
    let run = runs[Math.min(this.containers.length, runs.length - 1)] ?? { exit: 0 };
    if (this.script.daemonDown)
      run = { createdAfterMs: null, exit: 125, stderr: `docker: ${DAEMON_DOWN}.\n` };
    else if (args[0] === 'run' && !this.images.has(image)) {
      run = { createdAfterMs: null, exit: 125, stderr: noSuchImage(image) };
    }
    const container = new FakeContainer(name, run, this.containers.length + 1);
    this.containers.push(container);
    return container.spawned;
  }

  /** The container the latest run started as NAME. */
  private named(name: string): Container | undefined {
    return [...this.containers].reverse().find((c) => c.name === name);
  }

  control(name: string, _cidfile: string): ContainerControl {
    const current = () => this.named(name);
    const act = async (op: string, arg: string | undefined, what: (c: Container) => ControlResult) => {
      this.record(op, arg);
      const c = current();
      return c ? what(c) : { ok: false as const, absent: true, message: `No such container: ${name}` };
    };
    return {
      target: () => (current()?.live ? current()!.id : name),
      created: () => (current()?.state ?? 'none') !== 'none',
      signal: (signal) => act('signal', signal, (c) => c.signal(signal)),
      pause: () => act('pause', undefined, (c) => c.pause(true)),
      resume: () => act('resume', undefined, (c) => c.pause(false)),
      remove: () => act('remove', undefined, (c) => c.remove()),
      wasOomKilled: async () => {
        this.record('oom');
        return current()?.run.oomKilled === true;
      },
    };
  }

  async find(query: Readonly<Record<string, string>>): Promise<FoundContainer[]> {
    this.record(
      'find',
      Object.entries(query)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    );
    if (this.script.daemonDown) throw this.classify.daemon(failed(DAEMON_DOWN), 'ps', 5)!;
    const all = this.script.containers ?? [];
    return all.filter((c) => Object.entries(query).every(([k, v]) => c.labels[k] === v));
  }

  async remove(id: string): Promise<ControlResult> {
    this.record('removeId', id);
    const failure = this.script.removeFails?.[id];
    if (failure !== undefined) return { ok: false, absent: false, message: failure };
    const known = (this.script.containers ?? []).some((c) => c.id === id);
    return known ? { ok: true } : { ok: false, absent: true, message: `No such container: ${id}` };
  }

  async imageLayers(image: string): Promise<ImageLayers> {
    this.record('imageLayers', image);
    return this.script.imageLayers ?? { kind: 'unreadable', driver: 'fake' };
  }

  async hostPids(container: string): Promise<number[]> {
    this.record('hostPids', container);
    return this.script.pids ?? [];
  }
}

export const fakeRuntime = (script: FakeScript = {}) => new FakeRuntime(script);
