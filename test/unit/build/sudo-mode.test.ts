import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { asUserArgv, CHILD_SCRIPT, type UserFileOp, userFileResult } from '../../../lib/build/as-user.js';
import { decideBuild, GIT_AS_ROOT } from '../../../lib/build/build-policy.js';
import { changedAuths, holdsServer, mergeAuths } from '../../../lib/build/login-merge.js';
import { parseBuildArgs } from '../../../lib/build/options.js';
import { actingAsRootFor, rootSessionEnvironment } from '../../../lib/build/root-session.js';
import { defaultConfig } from '../../../lib/config/schema.js';
import { ExitCode } from '../../../lib/kernel/exit-codes.js';
import { DOCKER_PROFILE } from '../../../lib/runtime/docker/profile.js';
import { PODMAN_PROFILE } from '../../../lib/runtime/podman/profile.js';
import { errorOf } from '../helpers/errors.js';

const CWD = '/home/alice/proj';
const PRIVATE_IID = '/tmp/lsf-docker.4201.x/iid';

function plan(words: string[], asRoot: boolean) {
  const parsed = parseBuildArgs(words);
  if (!parsed.ok) throw new Error(`${parsed.subject}: ${parsed.reason}`);
  return decideBuild({
    args: parsed.args,
    envTag: undefined,
    config: defaultConfig(),
    identity: { user: 'alice', uid: 4201 },
    builder: 'classic',
    cwd: CWD,
    asRoot: asRoot ? { privateIidfile: PRIVATE_IID } : undefined,
  });
}

describe('build plan when docker_build runs as root for the user (sudo)', () => {
  test.each(['git@github.com:alice/repo.git', 'https://github.com/alice/repo.git#main', 'git://host/r'])(
    'the git context %s is refused (the CLI would run git as root); as the user it passes',
    (context) => {
      const err = errorOf(() => plan([context], true));
      expect(err.code).toBe(ExitCode.BUILD_REFUSED);
      expect(err.message).toBe(`CONTEXT: ${GIT_AS_ROOT}`);
      expect(plan([context], false).argv.at(-1)).toBe(context);
    },
  );

  test('a tarball URL and a directory pass', () => {
    expect(plan(['https://example.org/ctx.tar.gz'], true).argv.at(-1)).toBe('https://example.org/ctx.tar.gz');
    expect(plan(['.'], true).argv.at(-1)).toBe(CWD);
  });

  test('--iidfile: docker writes the private file; the user path is kept for the copy and still checked', () => {
    const p = plan(['--iidfile', 'out/id', '.'], true);
    expect(p.argv).toContain(`--iidfile=${PRIVATE_IID}`);
    expect(p.argv.join(' ')).not.toContain(`${CWD}/out/id`);
    expect(p.iidfile).toBe(`${CWD}/out/id`);
    expect(p.pathChecks).toContainEqual({ kind: 'write-file', path: `${CWD}/out/id`, subject: '--iidfile' });
    const asUser = plan(['--iidfile', 'out/id', '.'], false);
    expect(asUser.argv).toContain(`--iidfile=${CWD}/out/id`);
    expect(asUser.iidfile).toBeUndefined();
  });

  test('acting as root for a user: euid 0 and a user that is not root', () => {
    expect(actingAsRootFor({ uid: 4201 }, 0)).toBe(true);
    expect(actingAsRootFor({ uid: 4201 }, 4201)).toBe(false);
  });

  test("the root CLI's environment: private HOME and DOCKER_CONFIG, git reads no system or global config", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'root-session-'));
    try {
      const files = { dir, privateHome: `${dir}/home`, userHome: '/home/alice', readUserFile: () => '{}' };
      const { env, loginFile } = rootSessionEnvironment(DOCKER_PROFILE, files, undefined);
      expect(env).toEqual({
        PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        HOME: `${dir}/home`,
        DOCKER_CONFIG: `${dir}/docker`,
        LANG: 'C.UTF-8',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
      });
      expect(loginFile).toBe(`${dir}/docker/config.json`);
      mkdirSync(`${dir}/h`);
      const host = rootSessionEnvironment(
        DOCKER_PROFILE,
        { ...files, dir: `${dir}/h` },
        'unix:///run/d.sock',
      );
      expect(host.env.DOCKER_HOST).toBe('unix:///run/d.sock');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("podman's root CLI: private HOME, a private REGISTRY_AUTH_FILE with only the user's auths, no DOCKER_*", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'root-session-'));
    try {
      const user = '{"auths":{"r:5000":{"auth":"eDp5"}},"credHelpers":{"r:5000":"evil"}}';
      const read = (p: string) => {
        expect(p).toBe('/home/alice/.config/containers/auth.json');
        return user;
      };
      const files = { dir, privateHome: `${dir}/home`, userHome: '/home/alice', readUserFile: read };
      const { env, loginFile } = rootSessionEnvironment(PODMAN_PROFILE, files, 'unix:///ignored.sock');
      expect(loginFile).toBe(`${dir}/containers/auth.json`);
      expect(env).toEqual({
        PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        HOME: `${dir}/home`,
        LANG: 'C.UTF-8',
        REGISTRY_AUTH_FILE: loginFile,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
      });
      expect(JSON.parse(readFileSync(loginFile, 'utf8'))).toEqual({ auths: { 'r:5000': { auth: 'eDp5' } } });
      expect(statSync(loginFile).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('merging what docker login stored into the user file', () => {
  test('changedAuths: only the entries login added or changed', () => {
    const before = '{"auths":{"a:1":{"auth":"eDp5"},"b":{"auth":"b2xk"}}}';
    const after = '{"auths":{"a:1":{"auth":"eDp5"},"b":{"auth":"bmV3"},"c":{"auth":"Yzpj"}}}';
    expect(changedAuths(before, after)).toEqual({ b: { auth: 'bmV3' }, c: { auth: 'Yzpj' } });
    expect(changedAuths(after, after)).toEqual({});
    expect(changedAuths(undefined, 'not json')).toEqual({});
  });

  test('holdsServer: a login again with the same credentials finds them stored (docker.io as docker keys it)', () => {
    const text = '{"auths":{"127.0.0.1:5000":{"auth":"eDp5"},"https://index.docker.io/v1/":{"auth":"aA=="}}}';
    expect(holdsServer(text, '127.0.0.1:5000')).toBe(true);
    expect(holdsServer(text, 'docker.io')).toBe(true);
    expect(holdsServer(text, '127.0.0.1:5001')).toBe(false);
    expect(holdsServer('{"auths":{"docker.io":{"auth":"aA=="}}}', 'docker.io')).toBe(true);
    expect(holdsServer('{"credsStore":"desktop"}', '127.0.0.1:5000')).toBe(false);
  });

  test("mergeAuths keeps the user's other keys and registries", () => {
    const merged = mergeAuths('{"psFormat":"x","credsStore":"pass","auths":{"o":{"auth":"b28="}}}', {
      r: { auth: 'cjpy' },
    });
    expect(merged.ok && JSON.parse(merged.text)).toEqual({
      psFormat: 'x',
      credsStore: 'pass',
      auths: { o: { auth: 'b28=' }, r: { auth: 'cjpy' } },
    });
    const fresh = mergeAuths(undefined, { r: { auth: 'cjpy' } });
    expect(fresh.ok && JSON.parse(fresh.text)).toEqual({ auths: { r: { auth: 'cjpy' } } });
    expect(mergeAuths('  ', { r: {} }).ok).toBe(true);
  });

  test.each([
    ['{broken', 'is not valid JSON: it was left alone'],
    ['[1]', 'is not a JSON object: it was left alone'],
    ['{"auths":[]}', '"auths" is not an object: it was left alone'],
  ])('a user file %s is left alone', (text, reason) => {
    expect(mergeAuths(text, { r: { auth: 'cjpy' } })).toEqual({ ok: false, reason });
  });
});

describe('file operations as the user', () => {
  test('setpriv switches uid, gid and groups before node starts', () => {
    expect(asUserArgv({ uid: 4201, gid: 4201, groups: [4300, 999] }, '/usr/bin/node', 'S')).toEqual([
      'setpriv',
      '--reuid=4201',
      '--regid=4201',
      '--groups=4300,999',
      '--',
      '/usr/bin/node',
      '-e',
      'S',
    ]);
    expect(asUserArgv({ uid: 4202, gid: 4202, groups: [] }, 'n', 'S')[3]).toBe('--clear-groups');
  });

  test('the child result: text, no such file, or the reason', () => {
    expect(userFileResult(0, 'x', '')).toEqual({ ok: true, text: 'x' });
    expect(userFileResult(3, '', '')).toEqual({ ok: true, text: undefined });
    expect(userFileResult(2, '', 'is a symlink (not followed)\n')).toEqual({
      ok: false,
      reason: 'is a symlink (not followed)',
    });
    expect(userFileResult(null, '', '')).toEqual({ ok: false, reason: 'failed (exit by signal)' });
  });

  // The child's program itself, run as whoever runs the tests (the uid switch is setpriv's job).
  describe('the child program', () => {
    let dir: string;
    const run = (op: UserFileOp) => {
      const r = spawnSync(process.execPath, ['-e', CHILD_SCRIPT], {
        input: JSON.stringify(op),
        encoding: 'utf8',
      });
      return userFileResult(r.status, r.stdout, r.stderr);
    };
    beforeEach(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'as-user-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    test('write then read; a missing file reads as undefined', () => {
      const file = path.join(dir, 'f');
      expect(run({ op: 'read', path: file })).toEqual({ ok: true, text: undefined });
      expect(run({ op: 'write', path: file, mode: 0o600, text: 'one\n', atomic: true })).toEqual({
        ok: true,
        text: '',
      });
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(run({ op: 'read', path: file })).toEqual({ ok: true, text: 'one\n' });
      expect(run({ op: 'write', path: file, mode: 0o644, text: 'two', atomic: false }).ok).toBe(true);
      expect(readFileSync(file, 'utf8')).toBe('two');
    });

    test('a symlink is never followed: not read, not written through', () => {
      const target = path.join(dir, 'target');
      writeFileSync(target, 'keep\n');
      const link = path.join(dir, 'link');
      symlinkSync(target, link);
      expect(run({ op: 'read', path: link })).toEqual({ ok: false, reason: 'is a symlink (not followed)' });
      expect(run({ op: 'write', path: link, mode: 0o644, text: 'x', atomic: false })).toEqual({
        ok: false,
        reason: 'is a symlink (not followed)',
      });
      expect(readFileSync(target, 'utf8')).toBe('keep\n');
      // Atomic: the link itself is replaced by a new file; its target is untouched.
      expect(run({ op: 'write', path: link, mode: 0o600, text: 'new', atomic: true }).ok).toBe(true);
      expect(readFileSync(target, 'utf8')).toBe('keep\n');
      expect(readFileSync(link, 'utf8')).toBe('new');
    });

    test('mkdir makes the directory with its mode, and fixes the mode of an existing one', () => {
      const sub = path.join(dir, 'd');
      expect(run({ op: 'mkdir', path: sub, mode: 0o700 }).ok).toBe(true);
      expect(statSync(sub).mode & 0o777).toBe(0o700);
      spawnSync('chmod', ['755', sub]);
      expect(run({ op: 'mkdir', path: sub, mode: 0o700 }).ok).toBe(true);
      expect(statSync(sub).mode & 0o777).toBe(0o700);
      writeFileSync(path.join(dir, 'file'), '');
      expect(run({ op: 'mkdir', path: path.join(dir, 'file'), mode: 0o700 })).toEqual({
        ok: false,
        reason: 'is not a directory',
      });
    });
  });
});
