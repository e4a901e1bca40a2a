/**
 * docker_build against the real daemon and the local registry (htpasswd auth), always run as an
 * unprivileged test user with their own HOME: login (stdin and terminal) that never exposes the
 * password, build + push of every tag, failures that name the step or the tag, and refusals that
 * come before any build starts. Finally a docker_run job runs the pushed image, pulling it with
 * the credentials the login stored.
 */
import {
  chmodSync,
  chownSync,
  type Dirent,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { ExitCode } from '../../lib/kernel/exit-codes.js';
import {
  docker,
  dockerOk,
  IMAGES,
  imageExists,
  makeDockerConfig,
  REGISTRY,
  registryDeleteTag,
  registryTags,
  removeDockerConfig,
} from './helpers/docker.js';
import { dockerRun, itgConfig } from './helpers/job.js';
import { programArgv } from './helpers/mode.js';
import { program } from './helpers/paths.js';
import { killPtySessions, ptyAs, stripAnsi } from './helpers/pty.js';
import { type RunResult, runAs, spawnAs } from './helpers/run-as.js';
import { TEST_USER, TEST_USER2, userInfo } from './helpers/users.js';
import { cleanupWorkspace, userDir, writeConfig, writeFileAs } from './helpers/workspace.js';

jest.setTimeout(120_000);

const RUN = `${process.pid}-${Date.now().toString(36)}`;
const REPO = `lsfd/build-itg-${RUN}`;
const FAIL_REPO = `lsfd/build-itg-fail-${RUN}`;
const REFUSED_REPO = `lsfd/build-itg-refused-${RUN}`;
const tagOf = (repo: string, tag: string) => `${REGISTRY.address}/${repo}:${tag}`;
const LOGIN_ENV = {
  LSB_DOCKER_LOGIN_ONLY: '1',
  LSB_DOCKER_LOGIN_SERVER: REGISTRY.address,
  LSB_DOCKER_LOGIN_USER: REGISTRY.user,
};

const user = userInfo(TEST_USER);
const user2 = userInfo(TEST_USER2);
const credentialFile = (home: string) => path.join(home, '.docker', 'config.json');
const saved = (home: string) => path.join(home, `.docker.build-itg-${RUN}`);

let config: string;
let work: string;
let work2: string;
const localTags: string[] = [];

/** The test users start without any stored registry credentials; theirs are put back afterwards. */
function setAsideDockerConfig(home: string) {
  if (existsSync(path.join(home, '.docker'))) renameSync(path.join(home, '.docker'), saved(home));
}
function restoreDockerConfig(home: string) {
  rmSync(path.join(home, '.docker'), { recursive: true, force: true });
  if (existsSync(saved(home))) renameSync(saved(home), path.join(home, '.docker'));
}

beforeAll(async () => {
  setAsideDockerConfig(user.home);
  setAsideDockerConfig(user2.home);
  config = await writeConfig('[log]\nlevel = WARNING\n');
  work = await userDir(TEST_USER, 'build');
  await writeFileAs(path.join(work, 'Dockerfile'), `FROM ${IMAGES.busybox}\nRUN echo default > /which\n`, {
    user: TEST_USER,
  });
  await writeFileAs(
    path.join(work, 'Dockerfile.alt'),
    `FROM ${IMAGES.busybox}\nARG GREETING=none\nCOPY payload.txt /payload.txt\nRUN echo "greeting=$GREETING" > /greeting\n`,
    { user: TEST_USER },
  );
  await writeFileAs(path.join(work, 'payload.txt'), `payload ${RUN}\n`, { user: TEST_USER });
  await writeFileAs(
    path.join(work, 'Dockerfile.fail'),
    `FROM ${IMAGES.busybox}\nRUN echo before-the-failure\nRUN exit 3\nRUN echo never\n`,
    { user: TEST_USER },
  );
  work2 = await userDir(TEST_USER2, 'build');
  await writeFileAs(path.join(work2, 'Dockerfile'), `FROM ${IMAGES.busybox}\nRUN echo two > /two\n`, {
    user: TEST_USER2,
  });
});

afterEach(killPtySessions);

afterAll(async () => {
  restoreDockerConfig(user.home);
  restoreDockerConfig(user2.home);
  for (const repo of [REPO, FAIL_REPO, REFUSED_REPO]) {
    for (const tag of await registryTags(repo)) await registryDeleteTag(repo, tag);
  }
  if (localTags.length > 0) await docker(['rmi', '-f', ...localTags]);
  await cleanupWorkspace();
});

function dockerBuild(
  who: string,
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string; input?: string; config?: string } = {},
): Promise<RunResult> {
  return runAs(who, programArgv(who, 'docker_build', ['--config', opts.config ?? config, ...args]), {
    cwd: opts.cwd ?? (who === TEST_USER ? work : work2),
    env: opts.env,
    input: opts.input,
    timeout: 90_000,
  });
}

/** Regular files under DIR (not following links, at most DEPTH levels down), skipping SKIP. */
function filesUnder(dir: string, skip: string, depth = 4): string[] {
  const out: string[] = [];
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (full === skip) continue;
    if (entry.isDirectory() && depth > 0) out.push(...filesUnder(full, skip, depth - 1));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

describe('login (LSB_DOCKER_LOGIN_ONLY=1)', () => {
  test('a wrong password fails with LOGIN_FAILED and stores nothing', async () => {
    const r = await dockerBuild(TEST_USER, ['.'], { env: LOGIN_ENV, input: 'not-the-password\n' });
    expect(r.exitCode).toBe(ExitCode.LOGIN_FAILED);
    expect(r.stderr).toMatch(/^docker_build: login: lsfd@127\.0\.0\.1:5000: wrong user name or password/m);
    expect(r.stderr).not.toContain('not-the-password');
    const file = credentialFile(user.home);
    expect(existsSync(file) ? readFileSync(file, 'utf8') : '').not.toContain(REGISTRY.address);
  });

  test('the right password (on stdin) logs in; it is never in argv, environ, logs or other files', async () => {
    const started = Date.now();
    // The sweeps must see `docker login` running at least once for its argv and environ to have
    // been looked at; a login over before any sweep saw it is tried again (at most 3 times).
    const loginWatched = async () => {
      const child = spawnAs(TEST_USER, programArgv(TEST_USER, 'docker_build', ['--config', config, '.']), {
        cwd: work,
        env: { ...LOGIN_ENV, LSF_DOCKER_RUN_LOGLEVEL: 'DEBUG' },
        timeout: 60_000,
      });
      let exited = false;
      const result = child.result.then((r) => {
        exited = true;
        return r;
      });
      const leaks: string[] = [];
      let sawLogin = 0;
      let sweeps = 0;
      const sweep = () => {
        sweeps++;
        for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
          for (const what of ['cmdline', 'environ']) {
            let text: string;
            try {
              text = readFileSync(`/proc/${pid}/${what}`, 'latin1');
            } catch {
              continue;
            }
            if (text.includes(REGISTRY.password)) leaks.push(`${pid}/${what}: ${text.replace(/\0/g, ' ')}`);
            if (what === 'cmdline' && text.includes('--password-stdin')) sawLogin++;
          }
        }
      };
      // The wrapper waits for the password on stdin: sweep before and after giving it.
      for (let i = 0; i < 3; i++) sweep();
      child.child.stdin?.end(`${REGISTRY.password}\n`);
      while (!exited) {
        sweep();
        await new Promise((resolve) => setImmediate(resolve));
      }
      return { r: await result, leaks, sawLogin, sweeps };
    };
    let watched = await loginWatched();
    for (let attempt = 1; attempt < 3 && watched.sawLogin === 0; attempt++) watched = await loginWatched();
    const { r, leaks, sawLogin, sweeps } = watched;
    expect(r.exitCode).toBe(0);
    expect(leaks).toEqual([]);
    expect(sweeps).toBeGreaterThan(3);
    expect(sawLogin).toBeGreaterThan(0); // the sweeps did see `docker login` running
    expect(r.stdout).toContain(
      `docker_build: logged in to 127.0.0.1:5000 as lsfd; credentials stored in ${credentialFile(user.home)}`,
    );
    expect(r.stderr).toContain('DEBUG: exec: docker login --username lsfd --password-stdin 127.0.0.1:5000');
    // Logging in again with the same password: the stored credentials are already these (0, not 224).
    const again = await runAs(TEST_USER, programArgv(TEST_USER, 'docker_build', ['--config', config, '.']), {
      cwd: work,
      env: LOGIN_ENV,
      input: `${REGISTRY.password}\n`,
    });
    expect([again.exitCode, again.stderr]).toEqual([0, '']);
    expect(`${r.stdout}${r.stderr}`).not.toContain(REGISTRY.password);

    const file = credentialFile(user.home);
    const st = statSync(file);
    expect([st.uid, st.mode & 0o777]).toEqual([user.uid, 0o600]);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    const auth = JSON.parse(readFileSync(file, 'utf8')).auths[REGISTRY.address].auth;
    expect(Buffer.from(auth, 'base64').toString()).toBe(`${REGISTRY.user}:${REGISTRY.password}`);
    // No other file written meanwhile (the user's home, /tmp) holds the password.
    const recent = [...filesUnder(user.home, file), ...filesUnder('/tmp', '', 2)]
      .filter((f) => {
        try {
          const s = statSync(f);
          return s.mtimeMs >= started - 1000 && s.size < 1_000_000;
        } catch {
          return false;
        }
      })
      .filter((f) => readFileSync(f, 'latin1').includes(REGISTRY.password));
    expect(recent).toEqual([]);
  });

  test('in an interactive job the terminal asks for the user and password, without echoing the password', async () => {
    const home2 = path.join(user2.home, '.docker');
    const s = ptyAs(TEST_USER2, programArgv(TEST_USER2, 'docker_build', ['--config', config, '.']), {
      cwd: work2,
      env: { LSB_DOCKER_LOGIN_ONLY: '1', LSB_DOCKER_LOGIN_SERVER: REGISTRY.address },
    });
    await s.waitFor('Username for 127.0.0.1:5000: ');
    s.write(`${REGISTRY.user}\r`);
    await s.waitFor('Password for lsfd@127.0.0.1:5000: ');
    s.write(`${REGISTRY.password}\r`);
    const r = await s.result;
    const shown = stripAnsi(r.stdout);
    expect(r.exitCode).toBe(0);
    expect(shown).toContain('logged in to 127.0.0.1:5000 as lsfd');
    expect(shown).toContain(`Username for 127.0.0.1:5000: ${REGISTRY.user}`);
    expect(shown).not.toContain(REGISTRY.password);
    expect(statSync(path.join(home2, 'config.json')).mode & 0o777).toBe(0o600);
    // Back to no credentials for the push-refused test below.
    rmSync(home2, { recursive: true, force: true });
  });
});

describe('build and push', () => {
  const tags = [tagOf(REPO, '1.1.4'), tagOf(REPO, '1.1'), tagOf(REPO, 'latest')];

  test('the esub tag plus two --tag: built with -f and a --build-arg, all three pushed and pullable', async () => {
    localTags.push(...tags);
    const r = await dockerBuild(
      TEST_USER,
      ['--tag', tags[1]!, '-t', tags[2]!, '-f', 'Dockerfile.alt', '--build-arg', 'GREETING=hello-build', '.'],
      { env: { LSB_DOCKER_BUILD_TAG: tags[0]! } },
    );
    expect({ exit: r.exitCode, out: r.stdout }).toMatchObject({ exit: 0 });
    for (const tag of tags)
      expect(r.stdout).toMatch(new RegExp(`^docker_build: pushed ${tag} \\(sha256:[0-9a-f]{64}\\)$`, 'm'));
    expect(r.stdout).toContain('Step 4/4 : RUN echo "greeting=$GREETING" > /greeting');
    expect((await registryTags(REPO)).sort()).toEqual(['1.1', '1.1.4', 'latest']);

    // Pullable by anyone with credentials: remove them locally, pull as root with its own login.
    await docker(['rmi', ...tags]);
    const dockerConfig = await makeDockerConfig({ login: true });
    try {
      for (const tag of tags) await dockerOk(['pull', tag], { env: { DOCKER_CONFIG: dockerConfig } });
    } finally {
      await removeDockerConfig(dockerConfig);
    }
    const inside = await dockerOk(['run', '--rm', tags[0]!, 'cat', '/greeting', '/payload.txt']);
    expect(inside).toBe(`greeting=hello-build\npayload ${RUN}`);
  }, 120_000);

  test('a docker_run job pulls the pushed image with the credentials docker_build stored', async () => {
    await docker(['rmi', tags[0]!]);
    const runConfig = await itgConfig('[docker]\npull = always\n');
    const r = await dockerRun(TEST_USER, ['cat /greeting'], {
      image: tags[0]!,
      config: runConfig,
      cwd: work,
    });
    expect(r.stdout).toBe('greeting=hello-build');
    expect(r.exitCode).toBe(0);
    // The other user has no credentials: the same pull is refused.
    const r2 = await dockerRun(TEST_USER2, ['cat /greeting'], {
      image: tags[0]!,
      config: runConfig,
      cwd: work2,
    });
    expect(r2.exitCode).toBe(ExitCode.REGISTRY_AUTH);
  });

  test('a failing Dockerfile reports the failing step and pushes nothing', async () => {
    const tag = tagOf(FAIL_REPO, '1');
    const r = await dockerBuild(TEST_USER, ['-f', 'Dockerfile.fail', '.'], {
      env: { LSB_DOCKER_BUILD_TAG: tag },
    });
    expect(r.exitCode).toBe(ExitCode.BUILD_FAILED);
    expect(r.stdout).toContain('before-the-failure');
    expect(r.stderr).toMatch(
      /^docker_build: build: failed at Step 3\/4 : RUN exit 3: The command '\/bin\/sh -c exit 3' returned a non-zero code: 3; nothing was pushed$/m,
    );
    expect(r.stdout).not.toContain('pushed');
    expect(await registryTags(FAIL_REPO)).toEqual([]);
    expect(await imageExists(tag)).toBe(false);
  });

  test('SIGTERM during a build (as bkill sends it): the build is cancelled, its container removed, nothing pushed', async () => {
    const marker = `slow-${RUN}`;
    await writeFileAs(
      path.join(work, 'Dockerfile.slow'),
      `FROM ${IMAGES.busybox}\nRUN echo ${marker}; sleep 60\n`,
      {
        user: TEST_USER,
      },
    );
    const tag = tagOf(FAIL_REPO, 'slow');
    const child = spawnAs(
      TEST_USER,
      programArgv(TEST_USER, 'docker_build', ['--config', config, '-f', 'Dockerfile.slow', '.']),
      {
        cwd: work,
        env: { LSB_DOCKER_BUILD_TAG: tag },
        detached: true,
      },
    );
    let out = '';
    await new Promise<void>((resolve) => {
      child.child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes(`${marker}\n`)) resolve();
      });
    });
    const buildContainers = async () =>
      (await dockerOk(['ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.Command}}']))
        .split('\n')
        .filter((l) => l.includes(marker));
    expect(await buildContainers()).toHaveLength(1);
    const killedAt = Date.now();
    child.kill('SIGTERM');
    const r = await child.result;
    expect(r.exitCode).toBe(128 + 15);
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    expect(await buildContainers()).toEqual([]);
    expect(await registryTags(FAIL_REPO)).toEqual([]);
    expect(await imageExists(tag)).toBe(false);
    rmSync(path.join(work, 'Dockerfile.slow'));
  });

  test('SIGTERM after a RUN step printed another container\'s id as " ---> Running in ID": that container is left alone', async () => {
    const bystander = `lsfd-build-bystander-${RUN}`;
    await dockerOk(['run', '-d', '--name', bystander, IMAGES.busybox, 'sleep', '120']);
    try {
      const id = (await dockerOk(['inspect', '--format', '{{.Id}}', bystander])).trim();
      const marker = `forged-${RUN}`;
      await writeFileAs(
        path.join(work, 'Dockerfile.forge'),
        `FROM ${IMAGES.busybox}\nRUN echo ${marker}; echo ' ---> Running in ${id}'; sleep 60\n`,
        { user: TEST_USER },
      );
      const child = spawnAs(
        TEST_USER,
        programArgv(TEST_USER, 'docker_build', ['--config', config, '-f', 'Dockerfile.forge', '.']),
        {
          cwd: work,
          detached: true,
        },
      );
      let out = '';
      await new Promise<void>((resolve) => {
        child.child.stdout?.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes(`Running in ${id}\n`)) resolve();
        });
      });
      child.kill('SIGTERM');
      const r = await child.result;
      expect(r.exitCode).toBe(128 + 15);
      expect((await dockerOk(['inspect', '--format', '{{.State.Running}}', bystander])).trim()).toBe('true');
      rmSync(path.join(work, 'Dockerfile.forge'));
    } finally {
      await docker(['rm', '-f', bystander]);
    }
  });

  test('a push the registry refuses names the tag and fails the job', async () => {
    const tag = tagOf(REFUSED_REPO, '1');
    localTags.push(tag);
    const r = await dockerBuild(TEST_USER2, ['.'], { env: { LSB_DOCKER_BUILD_TAG: tag } });
    expect(r.exitCode).toBe(ExitCode.PUSH_FAILED);
    expect(r.stderr).toContain(`docker_build: push of ${tag} failed: the registry refused: not logged in`);
    expect(r.stderr).toMatch(
      new RegExp(`^docker_build: push: 1 of 1 tag did not push: ${tag.replace(/\./g, '\\.')}$`, 'm'),
    );
    expect(await registryTags(REFUSED_REPO)).toEqual([]);
  });
});

describe('refused before any build starts', () => {
  const tag = tagOf(REPO, 'refused');
  const noBuild = (r: RunResult) => {
    expect(r.stdout).not.toMatch(/Sending build context|Step 1/);
    expect(r.stderr).not.toMatch(/Sending build context|Step 1/);
  };

  test.each<[string[], number, RegExp]>([
    [
      ['--security-opt', 'seccomp=unconfined', '.'],
      ExitCode.BUILD_REFUSED,
      /^docker_build: --security-opt: /m,
    ],
    [
      ['--network', 'host', '.'],
      ExitCode.BUILD_REFUSED,
      /^docker_build: --network: "host" .*allow_network_host/m,
    ],
    [
      ['--add-host', 'db:not-an-ip', '.'],
      ExitCode.BAD_REQUEST,
      /^docker_build: --add-host: "not-an-ip" is not an IP/m,
    ],
    [
      ['--iidfile', '/tmp/iid', '.'],
      ExitCode.BUILD_REFUSED,
      /^docker_build: --iidfile: \/tmp is not a directory of yours/m,
    ],
    [['--cgroup-parent', '/', '.'], ExitCode.BUILD_REFUSED, /^docker_build: --cgroup-parent: /m],
    [
      ['--secret', 'id=x,src=/etc/shadow', '.'],
      ExitCode.BUILD_REFUSED,
      /^docker_build: --secret: needs BuildKit/m,
    ],
    [
      ['--no-such-option', '.'],
      ExitCode.BUILD_REFUSED,
      /^docker_build: --no-such-option: is not a docker build option/m,
    ],
    [
      ['.', '--no-cache'],
      ExitCode.USAGE,
      /^docker_build: CONTEXT: the build context must be the last argument/m,
    ],
  ])('%j', async (args, code, line) => {
    const r = await dockerBuild(TEST_USER, args, { env: { LSB_DOCKER_BUILD_TAG: tag } });
    expect({ exit: r.exitCode, stderr: r.stderr }).toEqual({
      exit: code,
      stderr: expect.stringMatching(line),
    });
    noBuild(r);
  });

  test('a tag outside the user namespace, when the admin requires it', async () => {
    const strict = await writeConfig(
      `[build]\nrequire_user_namespace = true\nallow_registries[] = ${REGISTRY.address}\n`,
    );
    const r = await dockerBuild(TEST_USER, ['-t', `docker.io/${TEST_USER}/x:1`, '.'], {
      config: strict,
      env: { LSB_DOCKER_BUILD_TAG: tag },
    });
    expect({ exit: r.exitCode, stderr: r.stderr }).toMatchObject({ exit: ExitCode.BUILD_REFUSED });
    expect(r.stderr).toContain(
      `docker_build: LSB_DOCKER_BUILD_TAG: tag "${tag}" is outside your namespace: the admin requires REGISTRY/${TEST_USER}/NAME[:TAG]`,
    );
    expect(r.stderr).toContain(`docker_build: -t: tag "docker.io/${TEST_USER}/x:1" is in registry docker.io`);
    noBuild(r);
    expect(await imageExists(tag)).toBe(false);
  });

  test('a context file or a Dockerfile the user cannot read', async () => {
    const ctx = await userDir(TEST_USER, 'build-private');
    await writeFileAs(path.join(ctx, 'Dockerfile'), `FROM ${IMAGES.busybox}\nCOPY . /ctx\n`, {
      user: TEST_USER,
    });
    await writeFileAs(path.join(ctx, 'root-only'), 'secret of root\n', { mode: 0o600 });
    const r = await dockerBuild(TEST_USER, [ctx], { env: { LSB_DOCKER_BUILD_TAG: tag } });
    expect(r.exitCode).toBe(ExitCode.BUILD_REFUSED);
    expect(r.stderr).toContain(
      `docker_build: CONTEXT: ${ctx}/root-only is not readable by you: the build may only read what you can read`,
    );
    noBuild(r);

    rmSync(path.join(ctx, 'root-only'));
    await writeFileAs(path.join(work, 'Dockerfile.root'), `FROM ${IMAGES.busybox}\n`, { mode: 0o600 });
    const r2 = await dockerBuild(TEST_USER, ['-f', path.join(work, 'Dockerfile.root'), ctx]);
    expect(r2.exitCode).toBe(ExitCode.BUILD_REFUSED);
    expect(r2.stderr).toContain(`docker_build: -f: ${work}/Dockerfile.root is not readable by you`);
    noBuild(r2);
    rmSync(path.join(work, 'Dockerfile.root'));
  });
});

/**
 * docker_build run by root for the user (sudo, as a site may configure it for users outside the
 * docker group): the docker CLI then runs as root, so nothing of the user's (HOME, ~/.gitconfig,
 * ~/.docker/config.json) may steer it, and whatever it writes for the user is written as the user.
 * Run as root with SUDO_UID/SUDO_GID of TEST_USER and HOME still the user's (sudo without -H).
 */
describe('run as root for the user (sudo)', () => {
  const SUDO_ENV = {
    SUDO_UID: String(user.uid),
    SUDO_GID: String(user.gid),
    SUDO_USER: TEST_USER,
    HOME: user.home,
  };
  const gitconfig = path.join(user.home, '.gitconfig');
  const dockerDir = path.join(user.home, '.docker');
  let sudoWork: string;

  /** As sudo runs it: as root, no --config (only /etc/lsf-docker may be read then). */
  const sudoBuild = (args: string[], opts: { env?: Record<string, string>; input?: string } = {}) =>
    runAs('root', [program('docker_build'), ...args], {
      cwd: sudoWork,
      env: { ...SUDO_ENV, ...opts.env },
      input: opts.input,
      timeout: 90_000,
    });
  const asUserFile = (file: string, text: string, mode = 0o644) => {
    writeFileSync(file, text, { mode });
    chmodSync(file, mode);
    chownSync(file, user.uid, user.gid);
  };
  const userDockerDir = () => {
    mkdirSync(dockerDir, { mode: 0o700 });
    chownSync(dockerDir, user.uid, user.gid);
  };
  const builtImage = (stdout: string) => /^Successfully built ([0-9a-f]{12})$/m.exec(stdout)?.[1];

  const setAside = `${dockerDir}.sudo-itg-${RUN}`;
  beforeAll(async () => {
    expect(existsSync(gitconfig)).toBe(false); // never clobber a real one
    if (existsSync(dockerDir)) renameSync(dockerDir, setAside);
    sudoWork = await userDir(TEST_USER, 'build-sudo');
    await writeFileAs(
      path.join(sudoWork, 'Dockerfile'),
      `FROM ${IMAGES.busybox}\nRUN echo sudo-${RUN} > /s\n`,
      {
        user: TEST_USER,
      },
    );
  });
  afterEach(() => {
    rmSync(gitconfig, { force: true });
    rmSync(dockerDir, { recursive: true, force: true });
  });
  afterAll(() => {
    if (existsSync(setAside)) renameSync(setAside, dockerDir);
  });

  test("the user's ~/.docker/config.json credsStore and ~/.gitconfig never run as root; --iidfile is written as the user", async () => {
    const marker = path.join(sudoWork, 'helper-ran');
    // credsStore "x/evil" makes a CLI that reads this config run ./docker-credential-x/evil.
    mkdirSync(path.join(sudoWork, 'docker-credential-x'));
    asUserFile(path.join(sudoWork, 'docker-credential-x', 'evil'), `#!/bin/sh\nid -u > ${marker}\n`, 0o755);
    userDockerDir();
    asUserFile(path.join(dockerDir, 'config.json'), '{"credsStore":"x/evil","auths":{}}\n', 0o600);
    asUserFile(gitconfig, `[core]\n\tsshCommand = id -u > ${marker}\n`);
    const iid = path.join(sudoWork, 'image.id');
    const r = await sudoBuild(['--iidfile', 'image.id', '.']);
    expect({ exit: r.exitCode, stderr: r.stderr }).toEqual({ exit: 0, stderr: '' });
    expect(existsSync(marker)).toBe(false);
    const st = statSync(iid);
    expect([st.uid, st.gid]).toEqual([user.uid, user.gid]);
    const id = builtImage(r.stdout);
    expect(readFileSync(iid, 'utf8')).toMatch(new RegExp(`^sha256:${id}[0-9a-f]{52}$`));
    await docker(['rmi', id!]);

    // A git context would make the CLI run git (and its ssh) as root: refused before anything runs.
    const g = await sudoBuild(['git@github.com:lsfd/none.git']);
    expect(g.exitCode).toBe(ExitCode.BUILD_REFUSED);
    expect(g.stderr).toMatch(
      /^docker_build: CONTEXT: a git context is not supported when docker_build runs as root for you \(sudo\)/m,
    );
    expect(existsSync(marker)).toBe(false);
  });

  test('--iidfile swapped for a symlink during the build: the file it points to is left alone', async () => {
    const victim = path.join(sudoWork, 'root-file');
    await writeFileAs(victim, 'root data\n', { mode: 0o644 });
    const iid = path.join(sudoWork, 'swap.id');
    asUserFile(iid, 'old\n');
    const mark = `slow-sudo-${RUN}`;
    await writeFileAs(
      path.join(sudoWork, 'Dockerfile.slow'),
      `FROM ${IMAGES.busybox}\nRUN echo ${mark}; sleep 2\n`,
      {
        user: TEST_USER,
      },
    );
    const child = spawnAs('root', [program('docker_build'), '-f', 'Dockerfile.slow', '--iidfile', iid, '.'], {
      cwd: sudoWork,
      env: SUDO_ENV,
      timeout: 60_000,
    });
    child.child.stdin?.end();
    await new Promise<void>((resolve) => {
      let out = '';
      child.child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes(`${mark}\n`)) resolve();
      });
    });
    rmSync(iid);
    symlinkSync(victim, iid);
    lstatSync(iid); // the swap happened before the build ended
    const r = await child.result;
    expect(r.exitCode).toBe(ExitCode.BUILD_FAILED);
    expect(r.stderr).toContain(
      `docker_build: --iidfile: ${iid} is a symlink (not followed): the image id was not written`,
    );
    expect(readFileSync(victim, 'utf8')).toBe('root data\n');
    const id = builtImage(r.stdout);
    if (id) await docker(['rmi', id]);
  });

  test("login stores the credentials in the user's own file, as the user, 0600, keeping their other keys", async () => {
    userDockerDir();
    chmodSync(dockerDir, 0o755);
    asUserFile(
      path.join(dockerDir, 'config.json'),
      '{"psFormat":"{{.ID}}","auths":{"other.example:5000":{"auth":"eDp5"}}}\n',
    );
    const r = await sudoBuild(['.'], { env: LOGIN_ENV, input: `${REGISTRY.password}\n` });
    expect({ exit: r.exitCode, stderr: r.stderr }).toEqual({ exit: 0, stderr: '' });
    expect(r.stdout).toContain(`credentials stored in ${credentialFile(user.home)}`);
    const file = credentialFile(user.home);
    const st = statSync(file);
    expect([st.uid, st.gid, st.mode & 0o777]).toEqual([user.uid, user.gid, 0o600]);
    const dir = statSync(dockerDir);
    expect([dir.uid, dir.mode & 0o777]).toEqual([user.uid, 0o700]);
    const stored = JSON.parse(readFileSync(file, 'utf8'));
    expect(stored.psFormat).toBe('{{.ID}}');
    expect(stored.auths['other.example:5000']).toEqual({ auth: 'eDp5' });
    expect(Buffer.from(stored.auths[REGISTRY.address].auth, 'base64').toString()).toBe(
      `${REGISTRY.user}:${REGISTRY.password}`,
    );
    expect(readdirSync(dockerDir)).toEqual(['config.json']);
  });

  test('login does not follow a symlinked ~/.docker/config.json', async () => {
    const victim = path.join(sudoWork, 'root-config.json');
    await writeFileAs(victim, '{"root":true}\n', { mode: 0o644 });
    userDockerDir();
    symlinkSync(victim, path.join(dockerDir, 'config.json'));
    const r = await sudoBuild(['.'], { env: LOGIN_ENV, input: `${REGISTRY.password}\n` });
    expect(r.exitCode).toBe(ExitCode.LOGIN_FAILED);
    expect(r.stderr).toContain(
      `docker_build: login: ${credentialFile(user.home)} is a symlink (not followed): credentials not stored`,
    );
    expect(readFileSync(victim, 'utf8')).toBe('{"root":true}\n');
    expect(statSync(victim).uid).toBe(0);
    expect(`${r.stdout}${r.stderr}`).not.toContain(REGISTRY.password);
  });
});
