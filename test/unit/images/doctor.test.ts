/** The runtime's image JSON (docker's and podman's) and the image doctor's checks. */
import { describe, expect, test } from '@jest/globals';
import { remoteFacts } from '../../../lib/images/doctor.js';
import { type ImageFacts, imageChecks } from '../../../lib/images/doctor-checks.js';
import { parseImageRef } from '../../../lib/kernel/grammar/image.js';
import {
  normalImageId,
  parseContainerImages,
  parseIdLines,
  parseImageInspect,
  shellProbeArgv,
} from '../../../lib/runtime/docker/images.js';
import { parsePlatform } from '../../../lib/runtime/registry/manifest.js';

const HEX = '7c593c785ccd50f6305447cb226bf677074d9c244ec684f989fe5df401173647';

describe('image inspect JSON', () => {
  test('docker 20.10: ids, references, sizes, times, layers, config', () => {
    const [image] = parseImageInspect(
      JSON.stringify([
        {
          Id: `sha256:${HEX}`,
          RepoTags: ['127.0.0.1:5000/lsfd/busybox:latest', 'lsf-docker-test/busybox:latest'],
          RepoDigests: [
            '127.0.0.1:5000/lsfd/busybox@sha256:6192053fe0403c044ba2c7adfdb504089410211dfa56212e640d8946635e1678',
          ],
          Created: '2026-12-01T09:19:22.145611312Z',
          Config: { User: '', Cmd: ['/bin/sh'], Entrypoint: null },
          Architecture: 'amd64',
          Os: 'linux',
          Size: 1985580,
          RootFS: { Type: 'layers', Layers: ['sha256:859b'] },
          Metadata: { LastTagTime: '2026-12-01T09:58:14.138468189Z' },
        },
      ]),
    )!;
    expect(image).toEqual({
      id: `sha256:${HEX}`,
      repoTags: ['127.0.0.1:5000/lsfd/busybox:latest', 'lsf-docker-test/busybox:latest'],
      repoDigests: [expect.stringMatching(/@sha256:/)],
      size: 1985580,
      created: Date.parse('2026-12-01T09:19:22.145Z'),
      lastTagTime: Date.parse('2026-12-01T09:58:14.138Z'),
      layers: ['sha256:859b'],
      os: 'linux',
      architecture: 'amd64',
      variant: undefined,
      user: '',
      entrypoint: undefined,
      cmd: ['/bin/sh'],
    });
  });

  test("podman: a bare id, no LastTagTime; dangling references and docker's zero time are dropped", () => {
    const [image] = parseImageInspect(
      JSON.stringify([
        {
          Id: HEX,
          RepoTags: ['<none>:<none>'],
          RepoDigests: [],
          Created: '0001-01-01T00:00:00Z',
          Size: 5,
          Config: { User: 'app' },
        },
      ]),
    )!;
    expect(image).toMatchObject({
      id: `sha256:${HEX}`,
      repoTags: [],
      created: 0,
      lastTagTime: undefined,
      user: 'app',
    });
  });

  test('not JSON, not an array, not an id', () => {
    expect(parseImageInspect('Error: No such image')).toBeUndefined();
    expect(parseImageInspect('{}')).toBeUndefined();
    expect(parseImageInspect('[{"Id":"x"}]')).toEqual([]);
    expect(normalImageId('sha256:abc')).toBeUndefined();
  });

  test('containers name their image by id (docker prefixed, podman bare)', () => {
    expect(parseContainerImages(JSON.stringify([{ Image: `sha256:${HEX}` }, { Image: HEX }, {}]))).toEqual([
      `sha256:${HEX}`,
      `sha256:${HEX}`,
    ]);
    expect(parseIdLines(`sha256:${HEX}\nsha256:${HEX}\nwarning: x\n`)).toEqual([`sha256:${HEX}`]);
  });

  test('the shell probe: no network, nobody, no capabilities, never a pull', () => {
    expect(shellProbeArgv('img')).toEqual([
      'run',
      '--rm',
      '--pull=never',
      '--network=none',
      '--cap-drop=ALL',
      '--security-opt=no-new-privileges',
      '--user=65534:65534',
      '--entrypoint=/bin/sh',
      '--',
      'img',
      '-c',
      'exit 0',
    ]);
  });
});

const AMD64 = parsePlatform('linux/amd64');
const facts = (over: Partial<ImageFacts> = {}): ImageFacts => ({
  image: 'img',
  source: 'local',
  platform: AMD64,
  size: 2 * 1024 * 1024,
  layers: 3,
  user: 'app',
  shell: { ok: true, detail: '' },
  ...over,
});
const levels = (f: ImageFacts) => Object.fromEntries(imageChecks(f, AMD64).map((c) => [c.name, c.level]));

describe('the image doctor', () => {
  test('a fit image', () => {
    expect(levels(facts())).toEqual({
      platform: 'ok',
      '/bin/sh': 'ok',
      entrypoint: 'ok',
      user: 'info',
      size: 'info',
    });
    expect(imageChecks(facts(), AMD64).at(-1)?.detail).toBe('2.0 MiB, 3 layer(s)');
  });

  test.each<[string, Partial<ImageFacts>, string, string, RegExp]>([
    [
      'no /bin/sh',
      { shell: { ok: false, detail: 'no such file' } },
      '/bin/sh',
      'fail',
      /only LSF_DOCKER_RUN_RAW_ARGS=1/,
    ],
    [
      'another platform',
      { platform: parsePlatform('linux/arm64') },
      'platform',
      'fail',
      /linux\/arm64, but jobs run on linux\/amd64/,
    ],
    [
      'an entrypoint',
      { entrypoint: ['/usr/bin/tini', '--', '/entry.sh'] },
      'entrypoint',
      'warn',
      /is replaced by \/bin\/sh/,
    ],
    ['USER unset', { user: '' }, 'user', 'warn', /unset \(root\): the image expects root/],
    ['USER root:root', { user: 'root:root' }, 'user', 'warn', /expects root/],
    ['USER 0', { user: '0' }, 'user', 'warn', /expects root/],
    ['from the registry', { source: 'registry', shell: undefined }, '/bin/sh', 'info', /not checked/],
  ])('%s', (_label, over, name, level, detail) => {
    const check = imageChecks(facts(over), AMD64).find((c) => c.name === name);
    expect(check).toMatchObject({ level, detail: expect.stringMatching(detail) });
  });

  test("the registry's answers", () => {
    const ref = (parseImageRef('reg.example.org/a/b:1') as { ok: true; ref: never }).ref;
    expect(remoteFacts('x', ref, { kind: 'missing', what: 'tag' })).toMatchObject({
      level: 'fail',
      detail: 'tag 1 does not exist in reg.example.org',
    });
    expect(remoteFacts('x', ref, { kind: 'needs-login' })).toMatchObject({
      level: 'fail',
      detail: expect.stringMatching(/^not on this host, and reg\.example\.org wants a login/),
    });
    // The engine could not be asked (a user outside the docker group): nothing said of this host.
    expect(remoteFacts('x', ref, { kind: 'unreachable', detail: 'ECONNREFUSED' }, false)).toMatchObject({
      level: 'fail',
      detail: 'reg.example.org did not answer (ECONNREFUSED)',
    });
    const found = remoteFacts('x', ref, {
      kind: 'found',
      digest: 'd',
      platformDigest: 'd',
      manifest: { kind: 'unknown', mediaType: '' },
      layers: [1, 2],
      config: { user: 'root', entrypoint: undefined, cmd: undefined, platform: AMD64 },
    });
    expect(found).toMatchObject({ source: 'registry', size: 3, layers: 2, user: 'root' });
  });
});
