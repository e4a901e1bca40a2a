import type {
  CallResult,
  ControlResult,
  ImageInfo,
  ImageStore,
  RuntimeClassifier,
  RuntimeExec,
  ShellProbe,
} from '../types.js';

const HEX_ID = /^(?:sha256:)?([0-9a-f]{64})$/;
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
const words = (v: unknown): string[] | undefined => (Array.isArray(v) ? strings(v) : undefined);
const time = (v: unknown): number | undefined => {
  if (typeof v !== 'string') return undefined;
  const ms = Date.parse(v);
  // docker writes 0001-01-01T00:00:00Z for "never".
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
};

/** sha256:HEX from docker's (prefixed) or podman's (bare) image id; undefined when it is not one. Pure. */
export function normalImageId(id: unknown): string | undefined {
  const m = typeof id === 'string' ? HEX_ID.exec(id) : null;
  return m ? `sha256:${m[1]}` : undefined;
}

/** One image of `image inspect` JSON (docker's or podman's). Pure. */
export function toImageInfo(j: Record<string, unknown>): ImageInfo | undefined {
  const id = normalImageId(j.Id);
  if (!id) return undefined;
  const config = (j.Config ?? {}) as Record<string, unknown>;
  const rootfs = (j.RootFS ?? {}) as Record<string, unknown>;
  const metadata = (j.Metadata ?? {}) as Record<string, unknown>;
  return {
    id,
    repoTags: strings(j.RepoTags).filter((t) => t !== '<none>:<none>'),
    repoDigests: strings(j.RepoDigests).filter((d) => !d.startsWith('<none>')),
    size: typeof j.Size === 'number' && j.Size >= 0 ? j.Size : 0,
    created: time(j.Created) ?? 0,
    lastTagTime: time(metadata.LastTagTime),
    layers: strings(rootfs.Layers),
    os: typeof j.Os === 'string' ? j.Os : '',
    architecture: typeof j.Architecture === 'string' ? j.Architecture : '',
    variant: typeof j.Variant === 'string' && j.Variant !== '' ? j.Variant : undefined,
    user: typeof config.User === 'string' ? config.User : '',
    entrypoint: words(config.Entrypoint),
    cmd: words(config.Cmd),
  };
}

/** The images of `image inspect ID...` output; undefined when it is not an inspect array. Pure. */
export function parseImageInspect(stdout: string): ImageInfo[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  return parsed.flatMap((j) => (j && typeof j === 'object' ? (toImageInfo(j) ?? []) : []));
}

/** The image ids of `container inspect ID...` output (docker: .Image; podman: .Image too). Pure. */
export function parseContainerImages(stdout: string): string[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  return parsed.flatMap((c) => normalImageId((c as { Image?: unknown } | null)?.Image) ?? []);
}

/** The distinct ids of `--quiet --no-trunc` output (image or container ids). Pure. */
export function parseIdLines(stdout: string): string[] {
  return [
    ...new Set(
      stdout
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => /^(?:sha256:)?[0-9a-f]{12,64}$/.test(l)),
    ),
  ];
}

/** The argv of the doctor's shell probe: nothing of the host, nobody's uid, no network, no caps. Pure. */
export function shellProbeArgv(ref: string): string[] {
  return [
    'run',
    '--rm',
    '--pull=never',
    '--network=none',
    '--cap-drop=ALL',
    '--security-opt=no-new-privileges',
    '--user=65534:65534',
    '--entrypoint=/bin/sh',
    '--',
    ref,
    '-c',
    'exit 0',
  ];
}

/**
 * Docker's image store behind the seam. Podman's CLI takes the same argv and prints the same JSON
 * (bare ids, no Metadata.LastTagTime): a podman runtime overrides storeDirArgv only.
 */
export class DockerImageStore implements ImageStore {
  /** `info` printing the store's root dir as JSON (podman: {{json .Store.GraphRoot}}). */
  protected storeDirArgv: string[] = ['info', '--format', '{{json .DockerRootDir}}'];

  constructor(
    private readonly exec: RuntimeExec,
    private readonly classify: RuntimeClassifier,
    private readonly name: string,
  ) {}

  private fail(result: CallResult, what: string): Error {
    return (
      this.classify.daemon(result, what, this.exec.timeout) ??
      new Error(`${this.name} ${what}: ${this.classify.reason(result.stderr)}`)
    );
  }

  private async inspectIds(ids: string[]): Promise<ImageInfo[]> {
    if (ids.length === 0) return [];
    const inspected = await this.exec.call(['image', 'inspect', '--', ...ids]);
    const images = parseImageInspect(inspected.stdout);
    if (images === undefined) throw this.fail(inspected, 'image inspect');
    return images;
  }

  async list(): Promise<ImageInfo[]> {
    const listed = await this.exec.call(['image', 'ls', '--quiet', '--no-trunc']);
    if (listed.exitCode !== 0) throw this.fail(listed, 'image ls');
    return this.inspectIds(parseIdLines(listed.stdout));
  }

  async inspect(ref: string): Promise<ImageInfo | undefined> {
    const result = await this.exec.call(['image', 'inspect', '--', ref]);
    const problem = this.classify.daemon(result, 'image inspect', this.exec.timeout);
    if (problem) throw problem;
    return result.exitCode === 0 ? parseImageInspect(result.stdout)?.[0] : undefined;
  }

  async remove(ref: string): Promise<ControlResult> {
    const result = await this.exec.call(['image', 'rm', '--', ref]);
    if (result.exitCode === 0) return { ok: true };
    const problem = this.classify.daemon(result, 'image rm', this.exec.timeout);
    if (problem) throw problem;
    const message = this.classify.reason(result.stderr);
    return { ok: false, absent: /no such image|image not known/i.test(result.stderr), message };
  }

  async inUse(): Promise<Set<string>> {
    const listed = await this.exec.call(['ps', '--all', '--quiet', '--no-trunc']);
    if (listed.exitCode !== 0) throw this.fail(listed, 'ps');
    const ids = parseIdLines(listed.stdout);
    if (ids.length === 0) return new Set();
    const inspected = await this.exec.call(['container', 'inspect', '--', ...ids]);
    const images = parseContainerImages(inspected.stdout);
    if (images === undefined) throw this.fail(inspected, 'container inspect');
    return new Set(images);
  }

  async storeDir(): Promise<string | undefined> {
    const result = await this.exec.call(this.storeDirArgv);
    if (result.exitCode !== 0) return undefined;
    try {
      const dir = JSON.parse(result.stdout) as unknown;
      return typeof dir === 'string' && dir.startsWith('/') ? dir : undefined;
    } catch {
      return undefined;
    }
  }

  async probeShell(ref: string): Promise<ShellProbe> {
    const result = await this.exec.call(shellProbeArgv(ref), { timeout: Math.max(this.exec.timeout, 30) });
    if (result.exitCode === 0) return { ok: true, detail: '/bin/sh runs' };
    const problem = this.classify.daemon(result, 'run', this.exec.timeout);
    if (problem) throw problem;
    return { ok: false, detail: this.classify.reason(result.stderr) || `exit ${result.exitCode}` };
  }
}
