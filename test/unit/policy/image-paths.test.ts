/** The second look at the mount tree with the image's own symlinks (lib/policy/image-paths.ts). */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, test } from '@jest/globals';
import { imageLinks } from '../../../lib/host/image-layers.js';
import { imagePathProblem } from '../../../lib/policy/image-paths.js';
import { graphDriverLayers, parseGraphDriver } from '../../../lib/runtime/docker/find.js';
import { jobEnv, specFor, testHost } from '../helpers/fixtures.js';

const links = (table: Record<string, string>) => ({ readlink: (p: string) => table[p] });

describe('imagePathProblem', () => {
  const spec = specFor({
    env: jobEnv({ LSF_DOCKER_VOLUMES: '/data/shared:/data/shared' }),
    command: ['true'],
  });

  test('an image without symlinks on the way: nothing to say', () => {
    expect(imagePathProblem(spec, links({}), testHost())).toBeUndefined();
  });

  test("an image whose /home leads into a volume: the cwd's mount point would be created there", () => {
    expect(imagePathProblem(spec, links({ '/home': '/data/shared' }), testHost())).toEqual({
      variable: 'LS_SUBCWD',
      message: expect.stringMatching(
        /^target \/home\/alice\/work lies inside the mount at \/data\/shared, but \/data\/shared\/alice does not exist there.*through the image's own symlinks\)$/,
      ),
    });
  });

  test("an image whose /etc leads into a volume: the runtime's own files would be created there", () => {
    expect(imagePathProblem(spec, links({ '/etc': 'data/shared' }), testHost())).toMatchObject({
      variable: 'LSB_CONTAINER_IMAGE',
      message: expect.stringMatching(/runtime's \/etc\/passwd/),
    });
  });
});

describe('the layers of an image', () => {
  test("overlay2 (docker) and overlay (podman's containers/storage) GraphDriver JSON, top layer first; anything else unknown", () => {
    for (const Name of ['overlay2', 'overlay'])
      expect(
        parseGraphDriver(
          JSON.stringify({ Name, Data: { UpperDir: '/u/diff', LowerDir: '/l1/diff:/l2/diff' } }),
        ),
      ).toEqual(['/u/diff', '/l1/diff', '/l2/diff']);
    expect(parseGraphDriver(JSON.stringify({ Name: 'btrfs', Data: {} }))).toBeUndefined();
    expect(parseGraphDriver('not json')).toBeUndefined();
  });

  test('graphDriverLayers names the driver it does not read, and refuses relative dirs', () => {
    expect(graphDriverLayers(JSON.stringify({ Name: 'overlay', Data: { UpperDir: '/u/diff' } }))).toEqual({
      kind: 'layers',
      dirs: ['/u/diff'],
    });
    expect(graphDriverLayers(JSON.stringify({ Name: 'vfs', Data: null }))).toEqual({
      kind: 'unreadable',
      driver: 'vfs',
    });
    expect(graphDriverLayers(JSON.stringify({ Name: 'overlay2', Data: { UpperDir: 'u/diff' } }))).toEqual({
      kind: 'unreadable',
      driver: 'overlay2',
    });
    expect(graphDriverLayers('null')).toEqual({ kind: 'unreadable', driver: 'unknown' });
    expect(graphDriverLayers('{')).toEqual({ kind: 'unreadable', driver: 'unknown' });
  });

  test('the topmost layer with an entry decides; a whiteout hides the lower link', () => {
    const root = mkdtempSync(`${tmpdir()}/lsfd-layers-`);
    try {
      for (const l of ['up', 'mid', 'low']) mkdirSync(`${root}/${l}`);
      symlinkSync('/data', `${root}/low/home`);
      symlinkSync('/x', `${root}/low/opt`);
      mkdirSync(`${root}/mid/opt`);
      symlinkSync('usr/lib', `${root}/mid/lib`);
      const layers = ['up', 'mid', 'low'].map((l) => `${root}/${l}`);
      const r = imageLinks(layers);
      expect([r.readlink('/home'), r.readlink('/opt'), r.readlink('/lib'), r.readlink('/none')]).toEqual([
        '/data',
        undefined,
        'usr/lib',
        undefined,
      ]);
      if (process.getuid!() === 0) {
        execFileSync('mknod', [`${root}/up/home`, 'c', '0', '0']);
        expect(imageLinks(layers).readlink('/home')).toBeUndefined();
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
