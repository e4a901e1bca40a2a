/** esub.docker's submit-time check: each registry answer's verdict, pinning, and the composed decision. */
import { describe, expect, test } from '@jest/globals';
import { type Config, defaultConfig } from '../../../lib/config/schema.js';
import { decideDockerEsubChecked, type ResolveForUser } from '../../../lib/esub/image-check.js';
import { imageVerdict } from '../../../lib/esub/image-verdict.js';
import { parseImageRef } from '../../../lib/kernel/grammar/image.js';
import type { Resolution } from '../../../lib/runtime/registry/resolve.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const IMAGE = '127.0.0.1:5000/lsfd/tool:1';
const ref = (text = IMAGE) => {
  const parsed = parseImageRef(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.ref;
};
const found: Resolution = {
  kind: 'found',
  digest: DIGEST,
  platformDigest: DIGEST,
  manifest: { kind: 'unknown', mediaType: '' },
};

describe('the verdict of each answer', () => {
  test.each<[string, Resolution, RegExp]>([
    [
      'a missing tag',
      { kind: 'missing', what: 'tag' },
      /^"127\.0\.0\.1:5000\/lsfd\/tool:1": tag 1 does not exist in 127\.0\.0\.1:5000\/lsfd\/tool$/,
    ],
    [
      'a missing repository',
      { kind: 'missing', what: 'repository' },
      /repository 127\.0\.0\.1:5000\/lsfd\/tool does not exist/,
    ],
    [
      'no manifest for the platform',
      { kind: 'no-platform', wanted: 'linux/amd64', offered: ['linux/arm64'] },
      /no manifest for linux\/amd64 \(it has linux\/arm64\)/,
    ],
    ['refused credentials', { kind: 'refused' }, /127\.0\.0\.1:5000 refused your credentials/],
  ])('%s rejects with one line naming the image', (_label, r, reason) => {
    const v = imageVerdict(r, { image: IMAGE, ref: ref(), pin: false }, undefined);
    expect(v).toEqual({ ok: false, reason: expect.stringMatching(reason) });
    expect((v as { reason: string }).reason).not.toContain('\n');
  });

  test.each<[string, Resolution | { kind: 'helper'; helper: string }, RegExp]>([
    [
      'no answer',
      { kind: 'unreachable', detail: 'ENOTFOUND' },
      /registry 127\.0\.0\.1:5000 did not answer \(ENOTFOUND\): "127.*" not checked/,
    ],
    ['a login wanted', { kind: 'needs-login' }, /wants a login to check/],
    ['a credential helper', { kind: 'helper', helper: 'pass' }, /kept by docker-credential-pass/],
  ])('%s accepts with a note', (_label, r, note) => {
    const v = imageVerdict(r, { image: IMAGE, ref: ref(), pin: false }, undefined);
    expect(v).toEqual({ ok: true, env: [], stderr: [expect.stringMatching(note)] });
  });

  test('found: accepted in silence; with pin the digest is recorded', () => {
    expect(imageVerdict(found, { image: IMAGE, ref: ref(), pin: false }, undefined)).toEqual({
      ok: true,
      env: [],
      stderr: [],
    });
    expect(imageVerdict(found, { image: IMAGE, ref: ref(), pin: true }, undefined)).toEqual({
      ok: true,
      env: [['LSB_CONTAINER_IMAGE_DIGEST', DIGEST]],
      stderr: [],
    });
  });

  test('a digest inherited from the submission environment is cleared unless pinned now', () => {
    expect(imageVerdict(found, { image: IMAGE, ref: ref(), pin: false }, 'sha256:old')).toMatchObject({
      env: [['LSB_CONTAINER_IMAGE_DIGEST', '']],
    });
    const unreachable = imageVerdict(
      { kind: 'unreachable', detail: 'x' },
      { image: IMAGE, ref: ref(), pin: true },
      'sha256:old',
    );
    expect(unreachable).toMatchObject({
      env: [['LSB_CONTAINER_IMAGE_DIGEST', '']],
      stderr: [expect.stringMatching(/not checked, not pinned/)],
    });
  });

  test('an image named by digest is never pinned again', () => {
    const text = `127.0.0.1:5000/lsfd/tool@${DIGEST}`;
    expect(imageVerdict(found, { image: text, ref: ref(text), pin: true }, undefined)).toEqual({
      ok: true,
      env: [],
      stderr: [],
    });
  });
});

describe('decideDockerEsubChecked', () => {
  const input = (change: (c: Config) => void = () => {}, env: Record<string, string> = {}) => {
    const config = defaultConfig();
    change(config);
    return { args: [IMAGE], additional: undefined, env, config };
  };
  const asked: string[] = [];
  const answer =
    (r: Resolution): ResolveForUser =>
    async (image) => {
      asked.push(image.canonical);
      return r;
    };

  test('accepted: the image, the profile, and the pinned digest', async () => {
    const d = await decideDockerEsubChecked(
      input((c) => (c.images.pinDigest = true)),
      answer(found),
    );
    expect(d).toEqual({
      ok: true,
      env: [
        ['LSB_CONTAINER_IMAGE', IMAGE],
        ['LSB_CONTAINER_IMAGE_DIGEST', DIGEST],
      ],
      options: [['LSB_SUB_APP_NAME', 'docker']],
      notes: [],
      stderr: [],
    });
  });

  test('a missing tag rejects', async () => {
    const d = await decideDockerEsubChecked(input(), answer({ kind: 'missing', what: 'tag' }));
    expect(d).toEqual({ ok: false, reason: expect.stringMatching(/tag 1 does not exist/) });
  });

  test('not asked: check and pin off, pull policy never, or a refusal before the registry', async () => {
    asked.length = 0;
    const off = await decideDockerEsubChecked(
      input((c) => (c.images.checkAtSubmit = false)),
      answer(found),
    );
    const never = await decideDockerEsubChecked(
      input((c) => (c.docker.pull = 'never')),
      answer(found),
    );
    const refused = await decideDockerEsubChecked(
      input((c) => (c.images.allowRegistries = ['docker.io'])),
      answer(found),
    );
    expect(off.ok && never.ok).toBe(true);
    expect(refused).toMatchObject({ ok: false, reason: expect.stringMatching(/not allowed/) });
    expect(asked).toEqual([]);
  });

  test('the registry unreachable: accepted, the note for the user', async () => {
    const d = await decideDockerEsubChecked(input(), answer({ kind: 'unreachable', detail: 'ECONNREFUSED' }));
    expect(d).toMatchObject({
      ok: true,
      stderr: [expect.stringMatching(/^note: registry .* did not answer/)],
    });
  });
});
