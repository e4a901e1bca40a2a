/**
 * An in-memory image store for unit tests (the image GC, the doctor): images with their
 * references, the containers that use them, removals recorded. Removing a reference of an image
 * a container uses fails like docker's conflict; removing the last reference removes the image.
 *
 *   const store = new FakeImageStore([fakeImage('a', { size: 10 })], { inUse: ['a'] });
 */
import type { ControlResult, ImageInfo, ImageStore, ShellProbe } from './types.js';

/** An image whose id is made from SEED (sha256:SEED repeated), tagged SEED:latest unless told. */
export function fakeImage(seed: string, over: Partial<ImageInfo> = {}): ImageInfo {
  const hex = Buffer.from(seed).toString('hex').padEnd(64, '0').slice(0, 64);
  return {
    id: `sha256:${hex}`,
    repoTags: [`${seed}:latest`],
    repoDigests: [],
    size: 1000,
    created: 0,
    layers: [`sha256:${hex}`],
    os: 'linux',
    architecture: 'amd64',
    user: '',
    cmd: ['/bin/sh'],
    ...over,
  };
}

export interface FakeStoreScript {
  /** Image ids (or the seeds given to fakeImage) used by a container. */
  inUse?: string[];
  storeDir?: string;
  /** Images whose /bin/sh does not run (ids, seeds or references). */
  noShell?: string[];
  /** remove(ref) fails with this message for these references. */
  removeFails?: Record<string, string>;
}

export class FakeImageStore implements ImageStore {
  readonly images: ImageInfo[];
  /** Every reference removed, in order. */
  readonly removed: string[] = [];

  constructor(
    images: ImageInfo[] = [],
    private readonly script: FakeStoreScript = {},
  ) {
    this.images = images.map((i) => ({ ...i, repoTags: [...i.repoTags], repoDigests: [...i.repoDigests] }));
  }

  private find(ref: string): ImageInfo | undefined {
    return this.images.find(
      (i) =>
        i.id === ref ||
        i.id.startsWith(`sha256:${ref}`) ||
        i.repoTags.includes(ref) ||
        i.repoDigests.includes(ref),
    );
  }

  private used(image: ImageInfo): boolean {
    return (this.script.inUse ?? []).some((u) => this.find(u) === image);
  }

  async list(): Promise<ImageInfo[]> {
    return this.images.map((i) => ({ ...i }));
  }

  async inspect(ref: string): Promise<ImageInfo | undefined> {
    const found = this.find(ref);
    return found ? { ...found } : undefined;
  }

  async remove(ref: string): Promise<ControlResult> {
    const failure = this.script.removeFails?.[ref];
    if (failure) return { ok: false, absent: false, message: failure };
    const image = this.find(ref);
    if (!image) return { ok: false, absent: true, message: `No such image: ${ref}` };
    const isId = image.id === ref;
    const lastRef = image.repoTags.length + image.repoDigests.length <= 1;
    if (this.used(image) && (isId || lastRef)) {
      return {
        ok: false,
        absent: false,
        message: `conflict: unable to remove ${ref}: image is being used by a container`,
      };
    }
    this.removed.push(ref);
    image.repoTags = image.repoTags.filter((t) => t !== ref);
    image.repoDigests = image.repoDigests.filter((d) => d !== ref);
    if (isId || image.repoTags.length + image.repoDigests.length === 0)
      this.images.splice(this.images.indexOf(image), 1);
    return { ok: true };
  }

  async inUse(): Promise<Set<string>> {
    return new Set((this.script.inUse ?? []).flatMap((u) => this.find(u)?.id ?? []));
  }

  async storeDir(): Promise<string | undefined> {
    return this.script.storeDir;
  }

  async probeShell(ref: string): Promise<ShellProbe> {
    const image = this.find(ref);
    if (!image) return { ok: false, detail: `No such image: ${ref}` };
    const noShell = (this.script.noShell ?? []).some((n) => this.find(n) === image);
    return noShell
      ? { ok: false, detail: 'exec: "/bin/sh": stat /bin/sh: no such file or directory' }
      : { ok: true, detail: '/bin/sh runs' };
  }
}
