/**
 * docker_run against the real daemon, run as the unprivileged test user: what the container
 * sees (identity, lock-down, mounts, environment), what is refused, and that nothing is left.
 */
import { chownSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { IMAGES } from './helpers/docker.js';
import { dockerRun, itgConfig, leftoverContainers, privateDirs } from './helpers/job.js';
import { describeResult } from './helpers/run-as.js';
import { groupId, TEST_USER, TEST_USER2, userInfo } from './helpers/users.js';
import { cleanupWorkspace, userDir, writeFileAs } from './helpers/workspace.js';

const user = userInfo(TEST_USER);
let config: string;
let work: string;
const allowedRoot = '/var/lib/lsf-docker-test/volumes-allowed';

beforeAll(async () => {
  mkdirSync(`${allowedRoot}/data`, { recursive: true });
  writeFileSync(`${allowedRoot}/data/hello.txt`, 'hello from an allowed volume\n');
  chownSync(`${allowedRoot}/data`, user.uid, user.gid);
  config = await itgConfig(`[volumes]\nallow[] = ${allowedRoot}\n`);
  work = await userDir(TEST_USER, 'dockerrun');
});

afterAll(async () => {
  await cleanupWorkspace();
  rmSync(allowedRoot, { recursive: true, force: true });
});

/** After every job: no private dir and no container of the user remain. */
async function expectNothingLeft() {
  expect(privateDirs(user.uid)).toEqual([]);
  expect(await leftoverContainers(user.uid)).toEqual([]);
}

describe('identity and lock-down, seen from inside the container', () => {
  test('runs as the user with their groups, a minimal passwd/group, never root', async () => {
    const r = await dockerRun(
      TEST_USER,
      ['id -u; id -g; id -G; whoami; cat /etc/passwd; echo ---; cat /etc/group'],
      {
        cwd: work,
        config,
      },
    );
    expect(r.exitCode).toBe(0);
    const [uid, gid, groups, whoami, ...rest] = r.stdout.split('\n');
    expect(Number(uid)).toBe(user.uid);
    expect(Number(gid)).toBe(user.gid);
    expect(groups?.split(' ').map(Number)).toEqual(expect.arrayContaining([user.gid, groupId('lsfd-lab')]));
    expect(whoami).toBe(TEST_USER);
    const passwd = rest.slice(0, rest.indexOf('---'));
    expect(passwd).toEqual([
      'root:x:0:0:root:/root:/bin/sh',
      'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
      `${TEST_USER}:x:${user.uid}:${user.gid}:${TEST_USER}:${user.home}:/bin/bash`,
    ]);
    expect(rest.slice(rest.indexOf('---') + 1).join('\n')).toContain(
      `lsfd-lab:x:${groupId('lsfd-lab')}:${TEST_USER}`,
    );
    await expectNothingLeft();
  });

  test('no new privileges, no effective capabilities, only the admin list in the bounding set', async () => {
    const r = await dockerRun(
      TEST_USER,
      ['grep -E "^(NoNewPrivs|CapEff|CapBnd|CapPrm)" /proc/1/status /proc/self/status'],
      {
        cwd: work,
        config,
      },
    );
    expect(r.exitCode).toBe(0);
    for (const file of ['/proc/1/status', '/proc/self/status']) {
      expect(r.stdout).toContain(`${file}:NoNewPrivs:\t1`);
      expect(r.stdout).toContain(`${file}:CapEff:\t0000000000000000`);
      expect(r.stdout).toContain(`${file}:CapPrm:\t0000000000000000`);
      // CHOWN(0) KILL(5) SETPCAP(8) IPC_LOCK(14) SYS_NICE(23): RIS's list, the default.
      expect(r.stdout).toContain(`${file}:CapBnd:\t0000000000804121`);
    }
  });

  test('passwd and group are read-only, and the user cannot become root', async () => {
    const r = await dockerRun(
      TEST_USER,
      ['echo x >> /etc/passwd; echo rc=$?; su -c id root </dev/null; echo su=$?'],
      {
        cwd: work,
        config,
      },
    );
    expect(r.stdout).toContain('rc=1');
    expect(r.stdout).not.toMatch(/uid=0/);
  });

  test('root is refused before anything starts', async () => {
    const r = await dockerRun('root', ['id'], { cwd: '/tmp', config, env: { LS_SUBCWD: '/tmp' } });
    expect(r.exitCode).toBe(214);
    expect(r.stderr).toMatch(/never run as root/);
  });
});

describe('mounts and workdir', () => {
  test('the submission dir is mounted at the same path and is the workdir; LSF_DOCKER_WORKDIR overrides', async () => {
    writeFileAs(`${work}/marker`, 'cwd-marker\n', { user: TEST_USER });
    const r = await dockerRun(TEST_USER, ['pwd; cat marker; touch written-inside'], { cwd: work, config });
    expect(r.stdout.split('\n')).toEqual([work, 'cwd-marker']);
    expect(existsSync(`${work}/written-inside`)).toBe(true);
    const w = await dockerRun(TEST_USER, ['pwd'], { cwd: work, config, env: { LSF_DOCKER_WORKDIR: '/etc' } });
    expect(w.stdout).toBe('/etc');
  });

  test("the job's tmpdir is the container's /tmp when it belongs to the user", async () => {
    const jobid = String(700000 + (process.pid % 10000));
    const tmpdir = `/tmp/${jobid}.tmpdir`;
    mkdirSync(tmpdir, { mode: 0o700 });
    chownSync(tmpdir, user.uid, user.gid);
    writeFileSync(`${tmpdir}/in-job-tmp`, 'job tmp\n');
    try {
      const r = await dockerRun(TEST_USER, ['cat /tmp/in-job-tmp; ls /tmp; echo "TMPDIR=$TMPDIR"'], {
        cwd: work,
        config,
        env: { LSB_JOBID: jobid, TMPDIR: tmpdir },
      });
      expect(r.exitCode).toBe(0);
      expect(r.stdout.split('\n')).toEqual(['job tmp', 'in-job-tmp', 'TMPDIR=/tmp']);
      // Someone else's tmpdir is not mounted, and DEBUG says why.
      chownSync(tmpdir, userInfo(TEST_USER2).uid, user.gid);
      const other = await dockerRun(TEST_USER, ['ls /tmp'], {
        cwd: work,
        config,
        env: { LSB_JOBID: jobid, LSF_DOCKER_RUN_LOGLEVEL: 'DEBUG' },
      });
      expect(other.stdout).toBe('');
      expect(other.stderr).toMatch(/job tmpdir .* belongs to uid \d+, not you: not passed to docker/);
    } finally {
      rmSync(tmpdir, { recursive: true, force: true });
    }
  });

  test('an allowed volume is visible, read-only when asked', async () => {
    const r = await dockerRun(
      TEST_USER,
      ['cat /data/hello.txt; touch /data/new 2>/dev/null; echo write=$?'],
      {
        cwd: work,
        config,
        env: { LSF_DOCKER_VOLUMES: `${allowedRoot}/data:/data:ro` },
      },
    );
    expect(r.stdout).toBe('hello from an allowed volume\nwrite=1');
    expect(existsSync(`${allowedRoot}/data/new`)).toBe(false);
  });

  test.each([
    ['/etc:/hostetc', /LSF_DOCKER_VOLUMES: "\/etc:\/hostetc": \/etc is not under an allowed volume root/],
    [`${allowedRoot}/data:/proc/x`, /lies in the protected \/proc/],
    [`${allowedRoot}/data:/etc/passwd`, /\/etc\/passwd is protected/],
    [`${allowedRoot}/data/hello.txt:/h`, /is not a directory/],
    [`${allowedRoot}/../../../etc:/x`, /must not contain "\.\."/],
    [`${allowedRoot}/data:/x:rw,z`, /is not ro or rw/],
    [`${allowedRoot}/data:/x,type=volume`, /character not allowed/],
  ])('a refused volume %s: one clear line, exit 213/212, nothing started', async (spec, message) => {
    const r = await dockerRun(TEST_USER, ['echo SHOULD-NOT-RUN'], {
      cwd: work,
      config,
      env: { LSF_DOCKER_VOLUMES: spec },
    });
    expect([212, 213]).toContain(r.exitCode);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).not.toContain('SHOULD-NOT-RUN');
    await expectNothingLeft();
  });

  test('a volume target or workdir that would make docker create a root-owned dir on the host is refused', async () => {
    const r = await dockerRun(TEST_USER, ['true'], {
      cwd: work,
      config,
      env: { LSF_DOCKER_VOLUMES: `${allowedRoot}/data:${work}/planted:ro` },
    });
    expect(r.exitCode).toBe(213);
    expect(r.stderr).toContain(
      `target ${work}/planted lies inside the mount at ${work}, but ${work}/planted does not exist`,
    );
    const w = await dockerRun(TEST_USER, ['true'], {
      cwd: work,
      config,
      env: { LSF_DOCKER_WORKDIR: `${work}/wdnew` },
    });
    expect(w.exitCode).toBe(213);
    expect(existsSync(`${work}/planted`) || existsSync(`${work}/wdnew`)).toBe(false);
  });

  test('a symlink out of an allowed root is resolved and refused', async () => {
    const link = `${work}/sneaky`;
    symlinkSync('/etc', link);
    const r = await dockerRun(TEST_USER, ['ls /x'], {
      cwd: work,
      config,
      env: { LSF_DOCKER_VOLUMES: `${link}:/x` },
    });
    expect(r.exitCode).toBe(213);
    expect(r.stderr).toContain('(really /etc) is not under an allowed volume root');
  });
});

describe('environment', () => {
  test('preserved by default, minus HOSTNAME, LSB_INTERACTIVE, newlines and bash functions', async () => {
    const r = await dockerRun(TEST_USER, ['env | sort'], {
      cwd: work,
      config,
      env: {
        MY_VAR: 'kept value with spaces',
        HOSTNAME: 'submit-host',
        LSB_INTERACTIVE: 'N',
        MULTI: 'line1\nline2',
        'BASH_FUNC_f%%': '() {  echo hi\n}',
        FUNCLIKE: '() { echo hi; }',
        LSB_JOBID: '4242',
      },
    });
    expect(r.exitCode).toBe(0);
    const env = r.stdout.split('\n');
    expect(env).toContain('MY_VAR=kept value with spaces');
    expect(env).toContain('LSB_JOBID=4242');
    expect(env).toContain(`LS_SUBCWD=${work}`);
    expect(env.find((l) => l.startsWith('HOSTNAME='))).not.toBe('HOSTNAME=submit-host');
    for (const gone of ['LSB_INTERACTIVE=', 'MULTI=', 'line2', 'BASH_FUNC', 'FUNCLIKE=']) {
      expect(env.some((l) => l.startsWith(gone))).toBe(false);
    }
  });

  test('LSF_DOCKER_PRESERVE_ENVIRONMENT=false keeps only the job variables', async () => {
    const r = await dockerRun(TEST_USER, ['env | sort'], {
      cwd: work,
      config,
      env: { MY_VAR: 'x', LSB_JOBID: '4243', LSB_QUEUE: 'normal', LSF_DOCKER_PRESERVE_ENVIRONMENT: 'false' },
    });
    const env = r.stdout.split('\n');
    expect(env).toContain('LSB_JOBID=4243');
    expect(env).toContain('LSB_QUEUE=normal');
    expect(env).toContain(`HOME=${user.home}`);
    expect(env.some((l) => l.startsWith('MY_VAR='))).toBe(false);
  });

  test('LSF_DOCKER_ENV_FILE is read as the user and merged; an unreadable one is refused', async () => {
    const file = await writeFileAs(`${work}/vars.env`, '# comment\nFROM_FILE=a b c\nexport ALSO=1\n', {
      user: TEST_USER,
    });
    const r = await dockerRun(TEST_USER, ['echo "$FROM_FILE|$ALSO"'], {
      cwd: work,
      config,
      env: { LSF_DOCKER_ENV_FILE: file },
    });
    expect(r.stdout).toBe('a b c|1');
    const secret = await writeFileAs(`${work}/root-only.env`, 'X=1\n', { mode: 0o600 });
    const refused = await dockerRun(TEST_USER, ['true'], {
      cwd: work,
      config,
      env: { LSF_DOCKER_ENV_FILE: secret },
    });
    expect(refused.exitCode).toBe(213);
    expect(refused.stderr).toMatch(/LSF_DOCKER_ENV_FILE: .*root-only.env: cannot be read by you/);
  });
});

describe('exit status', () => {
  test.each([
    ['exit 0', 0],
    ['exit 3', 3],
    ['kill -INT $$', 130],
    ['kill -TERM $$', 143],
  ])('%s -> %i, passed through unchanged', async (command, status) => {
    const r = await dockerRun(TEST_USER, [command], { cwd: work, config });
    expect(r.exitCode).toBe(status);
    await expectNothingLeft();
  });

  test('an image without /bin/sh is named as the problem, not mistaken for the job', async () => {
    const r = await dockerRun(TEST_USER, ['id'], { cwd: work, config, image: IMAGES.nosh });
    expect(r.exitCode).toBe(220);
    expect(r.stderr).toContain('has no /bin/sh: set LSF_DOCKER_ENTRYPOINT or LSF_DOCKER_RUN_RAW_ARGS');
    await expectNothingLeft();
  });

  test('a job that exits 127 itself is not mistaken for a start failure', async () => {
    const r = await dockerRun(TEST_USER, ['no-such-command-here'], { cwd: work, config });
    expect(r.exitCode).toBe(127);
  });

  test('LSF_DOCKER_RUN_RAW_ARGS runs the image as it is (its own CMD, no job script)', async () => {
    const r = await dockerRun(TEST_USER, ['LSB_DOCKER_PLACE_HOLDER'], {
      cwd: work,
      config,
      image: IMAGES.nosh,
      env: { LSF_DOCKER_RUN_RAW_ARGS: '1', LSF_DOCKER_ENTRYPOINT: '/busybox' },
    });
    // nosh's CMD is /bin/sh, which busybox runs as its sh applet: stdin is empty, so it exits 0.
    expect(r.exitCode).toBe(0);
    const refused = await dockerRun(TEST_USER, ['echo', 'hi'], {
      cwd: work,
      config,
      env: { LSF_DOCKER_RUN_RAW_ARGS: '1' },
    });
    expect(refused.exitCode).toBe(212);
    expect(refused.stderr).toContain(
      'LSF_DOCKER_RUN_RAW_ARGS: the command must be exactly LSB_DOCKER_PLACE_HOLDER',
    );
  });

  test('a bad LSF_DOCKER_ENTRYPOINT is told apart from the job', async () => {
    const r = await dockerRun(TEST_USER, ['true'], {
      cwd: work,
      config,
      env: { LSF_DOCKER_ENTRYPOINT: '/no/such/entry' },
    });
    expect(r.exitCode).toBe(220);
    expect(r.stderr).toMatch(/entrypoint \/no\/such\/entry cannot run/);
  });
});

describe('requests refused by policy', () => {
  test.each([
    [
      { LSF_DOCKER_NETWORK: 'container:other' },
      /LSF_DOCKER_NETWORK: "container:other" is not an allowed network/,
    ],
    [{ LSF_DOCKER_IPC: 'container:x' }, /LSF_DOCKER_IPC/],
    [{ LSF_DOCKER_PORTS: '9000:80' }, /host ports must be in 8000-8999/],
    [
      { LSF_DOCKER_NETWORK: 'host', LSF_DOCKER_PORTS: '8001' },
      /cannot be published with LSF_DOCKER_NETWORK=host/,
    ],
    [{ LSF_DOCKER_CGROUP: '/evil' }, /LSF_DOCKER_CGROUP: "\/evil" is not allowed/],
    [{ LSB_CONTAINER_IMAGE: '--privileged' }, /LSB_CONTAINER_IMAGE: "--privileged" must not start with "-"/],
    [{ LSF_DOCKER_SHM_SIZE: 'lots' }, /LSF_DOCKER_SHM_SIZE: "lots" is not a size/],
    [{ LSF_DOCKER_ADD_HOST: 'db:not-an-ip' }, /LSF_DOCKER_ADD_HOST: "not-an-ip" is not an IP address/],
  ])('%o is refused with a line naming the variable', async (env, message) => {
    const r = await dockerRun(TEST_USER, ['echo SHOULD-NOT-RUN'], { cwd: work, config, env });
    expect([212, 213]).toContain(r.exitCode);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    await expectNothingLeft();
  });

  test('network none, ipc host and shm size take effect', async () => {
    const r = await dockerRun(TEST_USER, ['ls /sys/class/net; df -k /dev/shm | tail -1'], {
      cwd: work,
      config,
      env: { LSF_DOCKER_NETWORK: 'none', LSF_DOCKER_SHM_SIZE: '96m' },
    });
    expect(r.exitCode).toBe(0);
    const [nets, shm] = r.stdout.split('\n');
    expect(nets).toBe('lo');
    expect(shm).toMatch(/\s98304\s/);
  });

  test('add-host entries reach /etc/hosts', async () => {
    const hostsFile = await writeFileAs(`${work}/hosts.txt`, 'db.local:10.1.2.3\n', { user: TEST_USER });
    const r = await dockerRun(TEST_USER, ['grep -E "app.local|db.local" /etc/hosts'], {
      cwd: work,
      config,
      env: { LSF_DOCKER_ADD_HOST: 'app.local:10.9.8.7', LSF_DOCKER_ADD_HOST_FILE: hostsFile },
    });
    expect(r.stdout).toMatch(/10\.9\.8\.7\s+app\.local/);
    expect(r.stdout).toMatch(/10\.1\.2\.3\s+db\.local/);
  });
});

describe('dry run and logging', () => {
  test('--dry-run prints the plan as JSON, runs nothing, leaves nothing', async () => {
    const r = await dockerRun(TEST_USER, ['id; pwd'], { cwd: work, config, args: ['--dry-run'] });
    expect(r.exitCode).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.image).toBe(IMAGES.busybox);
    expect(plan.run).toEqual(
      expect.arrayContaining(['--cap-drop=ALL', '--security-opt=no-new-privileges', `--user`]),
    );
    expect(plan.run).toContain(`${user.uid}:${user.gid}`);
    expect(plan.files.script).toBe('#!/bin/sh\nid; pwd\n');
    expect(plan.files.passwd).toContain(`${TEST_USER}:x:${user.uid}`);
    expect(plan.files.env).toContain(`LS_SUBCWD=${work}`);
    expect(Array.isArray(plan.pull)).toBe(true);
    await expectNothingLeft();
  });

  test('DEBUG prints every policy decision and the exact docker argv, in the RIS log format', async () => {
    const r = await dockerRun(TEST_USER, ['true'], {
      cwd: work,
      config,
      env: { LSF_DOCKER_RUN_LOGLEVEL: 'DEBUG' },
    });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/^[A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d docker_run\[\d+\]: DEBUG: policy: cwd /m);
    expect(r.stderr).toMatch(/DEBUG: (exec|engine api): docker run --pull=never --rm --name=lsf_local_\d+ /);
    expect(r.stderr).toMatch(/DEBUG: about to exit 0/);
  });

  test('a bad LSF_DOCKER_RUN_LOGLEVEL is refused', async () => {
    const r = await dockerRun(TEST_USER, ['true'], {
      cwd: work,
      config,
      env: { LSF_DOCKER_RUN_LOGLEVEL: 'LOUD' },
    });
    expect(r.exitCode).toBe(212);
    expect(r.stderr).toContain('LSF_DOCKER_RUN_LOGLEVEL');
  });
});

test('describeResult is usable in failure messages', () => {
  expect(typeof describeResult).toBe('function');
});
