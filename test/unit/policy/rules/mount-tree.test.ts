/**
 * The container's mount tree as the runtime builds it (lib/policy/rules/mount-tree.ts), and the
 * attacks of class (b): targets and workdirs the runtime would create, as root, in a host directory.
 */

import { renderJobFiles } from '../../../../lib/job/artifacts.js';
import { lookupInTree, mountOrder, type TreeMount } from '../../../../lib/policy/rules/mount-tree.js';
import { mountsRule } from '../../../../lib/policy/rules/mounts.js';
import { dir, type FakeHostSpec, fakeHost } from '../../helpers/fake-host.js';
import {
  ALICE,
  hostSpec,
  jobEnv,
  requestFor,
  ruleContext,
  specFor,
  testHost,
} from '../../helpers/fixtures.js';

const probe = (extra: Partial<FakeHostSpec> = {}) => fakeHost(hostSpec(extra), ALICE);
const CWD: TreeMount = { target: '/home/alice/work', source: '/home/alice/work', origin: 'cwd' };
const SHARED: TreeMount = { target: '/home/alice/work/decoy', source: '/data/shared', origin: 'user' };

describe('lookupInTree', () => {
  test("the image's own files are not looked at; a bind mount's are, on the host", () => {
    expect(lookupInTree('/opt/app', [CWD], probe())).toEqual({ kind: 'found', path: '/opt/app' });
    expect(lookupInTree('/home/alice/work/x', [CWD], probe())).toMatchObject({
      kind: 'create',
      hostPath: '/home/alice/work/x',
      mount: CWD,
    });
  });

  test('a symlink inside a bind mount is followed in container terms, into another mount', () => {
    const host = probe({ symlinks: { '/home/alice/work/link': '/home/alice/work/decoy' } });
    expect(lookupInTree('/home/alice/work/link/planted', [CWD, SHARED], host)).toMatchObject({
      kind: 'create',
      hostPath: '/data/shared/planted',
      mount: SHARED,
    });
    const relative = probe({ symlinks: { '/home/alice/work/link': 'decoy' } });
    expect(lookupInTree('/home/alice/work/link', [CWD, SHARED], relative)).toMatchObject({
      kind: 'found',
      path: '/home/alice/work/decoy',
    });
  });

  test('the first directory the user may change on the way is named', () => {
    const host = probe({ paths: { '/home/alice/work/sub': dir(ALICE.uid) } });
    expect(lookupInTree('/home/alice/work/sub', [CWD], host)).toEqual({
      kind: 'found',
      path: '/home/alice/work/sub',
      mount: CWD,
      changeable: '/home/alice/work',
    });
    const fixed: TreeMount = { target: '/s', source: '/data/shared' };
    const shared = probe({ paths: { '/data/shared/x': dir(0) } });
    expect(lookupInTree('/s/x', [fixed], shared)).toEqual({ kind: 'found', path: '/s/x', mount: fixed });
  });

  test('a symlink loop is not followed for ever', () => {
    const host = probe({ symlinks: { '/home/alice/work/a': '/home/alice/work/a' } });
    expect(lookupInTree('/home/alice/work/a', [CWD], host)).toMatchObject({ kind: 'bad' });
  });

  test("docker's order: by the depth of the target, then as given", () => {
    const items = ['/a/b/c', '/x', '/a/b', '/y'].map((target) => ({ mount: { target } }));
    expect(mountOrder(items).map((i) => i.mount.target)).toEqual(['/x', '/y', '/a/b', '/a/b/c']);
  });
});

describe('mountsRule: nothing the runtime would create as root', () => {
  const rule = (env: Record<string, string>, extra: Partial<FakeHostSpec> = {}) =>
    mountsRule(requestFor(env), ruleContext(undefined, extra));

  test('a target reached through a symlink into another volume, missing there: one refusal', () => {
    const host = {
      paths: { '/home/alice/work/decoy': dir(ALICE.uid), '/home/alice/work/decoy/planted': dir(ALICE.uid) },
      symlinks: { '/home/alice/work/link': '/home/alice/work/decoy' },
    };
    const r = rule(
      { LSF_DOCKER_VOLUMES: '/data/shared:/home/alice/work/decoy /data/alice:/home/alice/work/link/planted' },
      host,
    );
    expect(r).toEqual({
      ok: false,
      problems: [
        {
          variable: 'LSF_DOCKER_VOLUMES',
          message: expect.stringMatching(
            /^target \/home\/alice\/work\/link\/planted lies inside the mount at \/home\/alice\/work\/decoy, but \/data\/shared\/planted does not exist there/,
          ),
        },
      ],
    });
  });

  test('a target through a symlink to a place that exists is mounted at the resolved place', () => {
    const host = {
      paths: { '/data/shared/in': dir(0), '/home/alice/work/decoy': dir(ALICE.uid) },
      symlinks: { '/home/alice/work/link': '/home/alice/work/decoy' },
    };
    const r = rule(
      { LSF_DOCKER_VOLUMES: '/data/shared:/home/alice/work/decoy /data/alice:/home/alice/work/link/in' },
      host,
    );
    expect(r.ok && r.part.mounts.map((m) => m.target)).toEqual([
      '/home/alice/work',
      '/tmp',
      '/home/alice/work/decoy',
      '/home/alice/work/decoy/in',
    ]);
  });

  test('a resolved target that breaks the path grammar is refused', () => {
    const host = { symlinks: { '/home/alice/work/link': '/x,type=volume' } };
    const r = rule({ LSF_DOCKER_VOLUMES: '/data/alice:/home/alice/work/link' }, host);
    expect(r).toMatchObject({
      ok: false,
      problems: [{ message: expect.stringMatching(/docker cannot take/) }],
    });
  });

  test.each(['/etc', '/'])(
    'a volume over %s is refused (the runtime writes its own files there)',
    (target) => {
      expect(rule({ LSF_DOCKER_VOLUMES: `/data/alice:${target}` })).toMatchObject({
        ok: false,
        problems: [{ variable: 'LSF_DOCKER_VOLUMES' }],
      });
    },
  );

  test('a workdir through a symlink into another volume, missing there', () => {
    const host = {
      paths: { '/home/alice/work/decoy': dir(ALICE.uid) },
      symlinks: { '/home/alice/work/link': '/home/alice/work/decoy' },
    };
    const r = rule(
      {
        LSF_DOCKER_VOLUMES: '/data/shared:/home/alice/work/decoy',
        LSF_DOCKER_WORKDIR: '/home/alice/work/link/wd',
      },
      host,
    );
    expect(r).toMatchObject({ ok: false, problems: [{ variable: 'LSF_DOCKER_WORKDIR' }] });
  });

  test('a workdir in a directory the user may change is entered by the script, not created by the runtime', () => {
    const host = testHost({ paths: { '/home/alice/work/sub': dir(ALICE.uid) } });
    const spec = specFor({
      env: jobEnv({ LSF_DOCKER_WORKDIR: '/home/alice/work/sub' }),
      command: ['pwd'],
      host,
    });
    expect(spec.storage.workdir).toBe('/home/alice/work');
    expect(renderJobFiles(spec).script).toBe("#!/bin/sh\ncd -- '/home/alice/work/sub' || exit 1\n pwd\n");
    const raw = () =>
      specFor({
        env: jobEnv({ LSF_DOCKER_WORKDIR: '/home/alice/work/sub', LSF_DOCKER_RUN_RAW_ARGS: '1' }),
        command: ['LSB_DOCKER_PLACE_HOLDER'],
        host,
      });
    expect(raw).toThrow(/LSF_DOCKER_WORKDIR: .*cannot be entered safely/);
  });

  test('the cwd seen through an enclosing read-write volume of the same directory is not mounted again', () => {
    const r = rule({ LSF_DOCKER_VOLUMES: '/home/alice:/home/alice' });
    expect(r.ok && r.part.mounts.map((m) => m.origin)).toEqual(['tmpdir', 'user']);
  });

  test('a mount inside an admin mount, in a directory the user may change, is refused', () => {
    const r = mountsRule(
      requestFor({ LSF_DOCKER_VOLUMES: '/data/alice:/scratch/alice/in' }),
      ruleContext(
        (c) => {
          c.mounts.mount = [{ source: '/scratch', target: '/scratch', readOnly: true, text: '' }];
        },
        { paths: { '/scratch/alice/in': dir(ALICE.uid) } },
      ),
    );
    expect(r).toMatchObject({
      ok: false,
      problems: [{ variable: 'LSF_DOCKER_VOLUMES', message: expect.stringMatching(/which you can change/) }],
    });
  });
});
