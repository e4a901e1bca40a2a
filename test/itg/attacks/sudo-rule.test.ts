/**
 * The sudo rule of the secure deployment (scripts/lib/sudo.sh, written for the test prefix by
 * prepareAttacks): what an ordinary user may run as root through it, with which arguments, and
 * which of the job's variables reach the programs.
 *
 * Result today: all stopped (the rule holds). One consequence to know: env_reset keeps only
 * LSB_* LS_* LSF_DOCKER_* LSB_DOCKER_* TMPDIR CUDA_VISIBLE_DEVICES TERM, so the job's other
 * variables (MY_VAR) never reach the container under sudo, whatever
 * LSF_DOCKER_PRESERVE_ENVIRONMENT says; and sudo adds MAIL=/var/mail/root and root's SHELL,
 * which docker_run then passes on (lib/policy/policy.ts drops SUDO_* but not those).
 */
import { readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  attackConfig,
  cleanupAttacks,
  jobContainer,
  prepareAttacks,
  secretFile,
  spawnSudo,
  sudoRuleFile,
  sudoRun,
  token,
  waitFor,
} from '../helpers/attack.js';
import { INSTALL_PREFIX, program } from '../helpers/paths.js';
import { runAs } from '../helpers/run-as.js';
import { TEST_USER, userInfo } from '../helpers/users.js';
import { cleanupWorkspace, userDir } from '../helpers/workspace.js';

let config: string;
let work: string;

beforeAll(async () => {
  await prepareAttacks();
  config = await attackConfig();
  work = await userDir(TEST_USER, 'sudo-rule');
});
afterAll(async () => {
  await cleanupAttacks();
  await cleanupWorkspace();
});

const sudo = (argv: string[], env: Record<string, string> = {}) =>
  runAs(TEST_USER, ['sudo', '-n', ...argv], { cwd: work, env });

describe('the rule file', () => {
  test('is root 0440 and names exactly the four commands of the installed prefix', () => {
    const st = statSync(sudoRuleFile());
    expect({ uid: st.uid, gid: st.gid, mode: (st.mode & 0o7777).toString(8) }).toEqual({
      uid: 0,
      gid: 0,
      mode: '440',
    });
    const text = readFileSync(sudoRuleFile(), 'utf8');
    const alias = /^Cmnd_Alias (\S+) = (.*)$/m.exec(text);
    expect(alias?.[2]?.split(', ')).toEqual([
      `${INSTALL_PREFIX}/bin/docker_run`,
      `${INSTALL_PREFIX}/bin/docker_build`,
      `${INSTALL_PREFIX}/bin/docker_exec`,
      `${INSTALL_PREFIX}/bin/lsf-docker ^(--config[ =]/etc/lsf-docker/[A-Za-z0-9._/-]+ )?sweep( --dry-run| -n)?$`,
    ]);
    expect(text).toMatch(new RegExp(`^ALL ALL = \\(root\\) NOPASSWD: ${alias?.[1]}$`, 'm'));
  });
});

describe('what the rule lets a user run as root', () => {
  test.each([
    ['a program outside the rule', ['/usr/bin/id']],
    ['another subcommand of lsf-docker', [program('lsf-docker'), 'bsub', 'true']],
    ['sweep with an extra argument', [program('lsf-docker'), 'sweep', '--dry-run', 'x']],
    [
      'sweep with a config outside /etc/lsf-docker',
      [program('lsf-docker'), '--config', '/etc/shadow', 'sweep'],
    ],
    ['another program of the prefix', [program('esub.docker')]],
  ])('refuses %s', async (_what, argv) => {
    const r = await sudo(argv);
    expect({ exit: r.exitCode, stderr: r.stderr }).toEqual({
      exit: 1,
      stderr: 'sudo: a password is required',
    });
  });

  test('sweep with a config that leaves /etc/lsf-docker through .. is refused by lsf-docker, showing nothing', async () => {
    const secret = token('shadow');
    const file = await secretFile(`root:${secret}:19000:0:99999:7:::\n`);
    const r = await sudo([program('lsf-docker'), '--config', `/etc/lsf-docker/../..${file}`, 'sweep']);
    expect(r.exitCode).toBe(211);
    expect(`${r.stdout}${r.stderr}`).not.toContain(secret);
  });

  test('sweep, sweep --dry-run and the job starters run', async () => {
    for (const args of [['sweep'], ['sweep', '--dry-run'], ['--config', config, 'sweep', '-n']]) {
      const r = await sudo([program('lsf-docker'), ...args]);
      expect({ args, exit: r.exitCode }).toEqual({ args, exit: 0 });
    }
    const run = await sudoRun(TEST_USER, 'docker_run', ['--config', config, 'id -u'], { cwd: work });
    expect({ exit: run.exitCode, out: run.stdout }).toEqual({ exit: 0, out: '4201' });
  });
});

describe("the job's variables that reach the programs", () => {
  test('only the LSF ones: no LD_*, NODE_*, PATH, bash functions or other variables', async () => {
    const r = await sudoRun(TEST_USER, 'docker_run', ['--config', config, '--dry-run', 'true'], {
      cwd: work,
      env: {
        LD_PRELOAD: '/nonexistent/evil.so',
        LD_LIBRARY_PATH: '/nonexistent',
        NODE_OPTIONS: '--require /nonexistent/evil.js',
        NODE_PATH: '/nonexistent',
        'BASH_FUNC_evil%%': '() { id; }',
        LSF_DOCKER_NODE_OPTIONS: 'kept-as-a-name',
        MY_VAR: 'mine',
        PATH: `/nonexistent/bin:/usr/bin:/bin`,
        LSB_JOBNAME: 'kept',
      },
    });
    expect(r.exitCode).toBe(0);
    const env = (JSON.parse(r.stdout) as { files: { env: string } }).files.env
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.split('=')[0]);
    expect(env.filter((n) => /^(LD_|NODE_|BASH_FUNC|MY_VAR)/.test(n!))).toEqual([]);
    expect(env).toEqual(expect.arrayContaining(['LSF_DOCKER_NODE_OPTIONS', 'LSB_JOBNAME', 'LS_SUBCWD']));
    // What sudo itself set (its secure_path, root's MAIL and SHELL, TERM=unknown) is not the
    // job's: none of it reaches the container (the image's own PATH applies).
    expect(
      env.filter((n) => ['PATH', 'MAIL', 'SHELL', 'TERM', 'SUDO_UID', 'SUDO_COMMAND'].includes(n!)),
    ).toEqual([]);
  });

  test("through `lsf-docker sudo docker_run` the job's whole environment reaches the container, sudo's never", async () => {
    const r = await runAs(
      TEST_USER,
      [program('lsf-docker'), '--config', config, 'sudo', 'docker_run', 'echo "$MY_VAR|$PATH|$MAIL|$SHELL|"'],
      {
        cwd: work,
        env: {
          LS_SUBCWD: work,
          LSB_CONTAINER_IMAGE: 'lsf-docker-test/busybox:latest',
          MY_VAR: 'mine with spaces',
          PATH: '/usr/local/bin:/usr/bin:/bin:/opt/mine/bin',
        },
      },
    );
    expect({ exit: r.exitCode, out: r.stdout }).toEqual({
      exit: 0,
      out: 'mine with spaces|/usr/local/bin:/usr/bin:/bin:/opt/mine/bin|||',
    });
  });

  test("docker_exec through `lsf-docker sudo` gets the caller's whole environment too, never sudo's", async () => {
    const job = String(887000 + (process.pid % 1000));
    const holder = spawnSudo(TEST_USER, 'docker_run', ['--config', config, 'sleep 60'], {
      cwd: work,
      env: { LSB_JOBID: job },
    });
    try {
      await waitFor('the job container', () => jobContainer(userInfo(TEST_USER).uid, job));
      const r = await runAs(
        TEST_USER,
        [
          program('lsf-docker'),
          '--config',
          config,
          'sudo',
          'docker_exec',
          job,
          'echo "$MY_VAR|$MAIL|$SHELL|"',
        ],
        { cwd: work, env: { MY_VAR: 'exec mine' } },
      );
      expect({ exit: r.exitCode, out: r.stdout }).toEqual({ exit: 0, out: 'exec mine|||' });
    } finally {
      holder.kill('SIGTERM');
      await holder.result;
    }
  });
});
