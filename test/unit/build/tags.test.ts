import { decideTag, type TagPolicy } from '../../../lib/build/tags.js';

const open: TagPolicy = { allowRegistries: [], requireUserNamespace: false };
const strict: TagPolicy = {
  allowRegistries: ['registry.site.org', '127.0.0.1:5000'],
  requireUserNamespace: true,
};
const alice = { user: 'alice' };

describe('decideTag: normalised, pushable, within policy', () => {
  test.each<[string, TagPolicy, string]>([
    ['name', open, 'docker.io/library/name:latest'],
    ['alice/name:1.1.4', open, 'docker.io/alice/name:1.1.4'],
    ['registry.site.org/alice/name', strict, 'registry.site.org/alice/name:latest'],
    ['127.0.0.1:5000/alice/tools/x:2', strict, '127.0.0.1:5000/alice/tools/x:2'],
  ])('%s -> %s', (text, policy, canonical) => {
    const d = decideTag(text, policy, alice);
    expect(d).toMatchObject({ ok: true, ref: { canonical } });
  });

  test.each<[string, TagPolicy, boolean, RegExp]>([
    ['Bad/Name', open, true, /tag "Bad\/Name" has a malformed repository name/],
    ['x:', open, true, /malformed tag/],
    ['-x', open, true, /must not start with "-"/],
    [`x@sha256:${'a'.repeat(64)}`, open, true, /has a digest .*NAME\[:TAG\]/],
    ['docker.io/alice/x', strict, false, /registry docker\.io, which the admin does not allow/],
    ['registry.site.org/bob/x:1', strict, false, /outside your namespace: .*REGISTRY\/alice\/NAME/],
    ['registry.site.org/alice', strict, false, /outside your namespace/],
    ['registry.site.org/alicex/y', strict, false, /outside your namespace/],
  ])('%s is refused', (text, policy, bad, reason) => {
    const d = decideTag(text, policy, alice);
    expect(d.ok).toBe(false);
    if (d.ok) return;
    expect(d.bad).toBe(bad);
    expect(d.reason).toMatch(reason);
  });
});
