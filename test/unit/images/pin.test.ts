/** Digest pinning at run time: the variable's grammar, the pinned reference, the image rule's allow-list. */
import { describe, expect, test } from '@jest/globals';
import { defaultConfig } from '../../../lib/config/schema.js';
import { parseDigest, pinnedReference, repositoryOf } from '../../../lib/kernel/grammar/digest.js';
import { imageRule } from '../../../lib/policy/rules/image.js';
import { parseJobRequest } from '../../../lib/request/parse.js';

const D = `sha256:${'b'.repeat(64)}`;

describe('the pinned reference', () => {
  test.each([
    ['busybox', 'busybox'],
    ['busybox:1.36', 'busybox'],
    ['127.0.0.1:5000/lsfd/busybox:latest', '127.0.0.1:5000/lsfd/busybox'],
    ['127.0.0.1:5000/lsfd/busybox', '127.0.0.1:5000/lsfd/busybox'],
    [`reg/a:1@sha256:${'c'.repeat(64)}`, 'reg/a'],
  ])('%s -> %s@digest', (name, repo) => {
    expect(repositoryOf(name)).toBe(repo);
    expect(pinnedReference(name, D)).toBe(`${repo}@${D}`);
  });

  test.each(['sha256:abc', `sha512:${'a'.repeat(64)}`, `sha256:${'A'.repeat(64)}`, `${D}\n`])(
    '%j is not a digest',
    (text) => {
      expect(parseDigest(text).ok).toBe(false);
    },
  );
});

const request = (env: Record<string, string>) =>
  parseJobRequest({ LS_SUBCWD: '/tmp', ...env }, ['true'], { cwd: '/tmp', hostname: 'h' });

describe('docker_run with LSB_CONTAINER_IMAGE_DIGEST', () => {
  const ctx = (allow: string[] = []) => {
    const config = defaultConfig();
    config.images.allowRegistries = allow;
    config.images.aliases.box = '127.0.0.1:5000/lsfd/busybox:latest';
    return { config, identity: {} as never, probe: {} as never };
  };

  test('runs NAME@DIGEST, the decision names both; LSB_CONTAINER_IMAGE keeps the name', () => {
    const req = request({ LSB_CONTAINER_IMAGE: 'box', LSB_CONTAINER_IMAGE_DIGEST: D });
    expect(req.imageText).toBe('box');
    const r = imageRule(req, ctx(['127.0.0.1:5000']));
    expect(r).toMatchObject({ ok: true, part: { ref: `127.0.0.1:5000/lsfd/busybox@${D}` } });
    expect(r.ok && r.decisions).toContain(
      `image pinned at submission: 127.0.0.1:5000/lsfd/busybox:latest -> 127.0.0.1:5000/lsfd/busybox@${D}`,
    );
  });

  test('the pinned reference passes the same allow-list', () => {
    const r = imageRule(
      request({ LSB_CONTAINER_IMAGE: 'evil.example.com/x:1', LSB_CONTAINER_IMAGE_DIGEST: D }),
      ctx(['docker.io']),
    );
    expect(r).toMatchObject({ ok: false, problems: [{ variable: 'LSB_CONTAINER_IMAGE_DIGEST' }] });
  });

  test('empty is no pin; a malformed digest is refused by name', () => {
    expect(
      request({ LSB_CONTAINER_IMAGE: 'busybox', LSB_CONTAINER_IMAGE_DIGEST: '' }).imageDigest,
    ).toBeUndefined();
    expect(() => request({ LSB_CONTAINER_IMAGE: 'busybox', LSB_CONTAINER_IMAGE_DIGEST: 'latest' })).toThrow(
      /LSB_CONTAINER_IMAGE_DIGEST: "latest" is not a digest/,
    );
  });
});
