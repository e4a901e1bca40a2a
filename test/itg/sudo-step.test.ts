/**
 * The user-side step of the secure deployment, `lsf-docker sudo PROGRAM`, as compiled into the
 * launcher helper (scripts/sudo-step.c) when the host has a C compiler: no Node process before
 * sudo or while the job runs, the same snapshot as the Node step (lib/run/via-sudo.ts), the
 * program's status, terminating signals passed on, nothing left in /tmp. Forms it does not take
 * (--help, an unknown program) still reach the Node step.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { IMAGES } from './helpers/docker.js';
import { itgConfig } from './helpers/job.js';
import { INSTALL_PREFIX, program } from './helpers/paths.js';
import { runAs, spawnAs } from './helpers/run-as.js';
import { TEST_USER, userInfo } from './helpers/users.js';
import { cleanupWorkspace } from './helpers/workspace.js';

jest.setTimeout(120_000);

const user = userInfo(TEST_USER);
const compiled = existsSync(path.join(INSTALL_PREFIX, 'dist/bundle/lsfd-launch'));
const stepSuite = compiled ? describe : describe.skip;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let config: string;

beforeAll(async () => {
  config = await itgConfig();
});
afterAll(cleanupWorkspace);

const snapshotsOfUser = () => readdirSync('/tmp').filter((n) => n.startsWith(`lsf-docker-env.${user.uid}.`));

/** The job's environment as the env-file of a dry run through STEP ('compiled' or Node's). */
async function envFileThrough(step: 'compiled' | 'node', env: Record<string, string>): Promise<string[]> {
  const bin = program('lsf-docker');
  const argv =
    step === 'compiled'
      ? [bin]
      : [
          process.execPath,
          path.join(INSTALL_PREFIX, 'dist/bundle/start.cjs'),
          bin,
          path.join(INSTALL_PREFIX, 'dist/bundle/lsf_docker.cjs'),
        ];
  const r = await runAs(TEST_USER, [...argv, 'sudo', 'docker_run', '--config', config, '--dry-run', 'true'], {
    env: { LSB_CONTAINER_IMAGE: IMAGES.busybox, LS_SUBCWD: user.home, ...env },
  });
  expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({ exitCode: 0, stderr: '' });
  return (JSON.parse(r.stdout).files.env as string).split('\n');
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** ROOT and every process below it: pid, the file it runs (/proc/PID/exe), RSS. */
function processTree(root: number): Array<{ pid: number; name: string; rssKb: number }> {
  const inTree = (pid: number) => {
    for (let p: number | undefined = pid, d = 0; p && p > 1 && d < 16; d++, p = parentOf(p))
      if (p === root) return true;
    return false;
  };
  const tree: Array<{ pid: number; name: string; rssKb: number }> = [];
  for (const pid of readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number)) {
    if (!inTree(pid)) continue;
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const name = path.basename(readlinkSync(`/proc/${pid}/exe`));
      tree.push({ pid, name, rssKb: Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0) });
    } catch {
      // gone
    }
  }
  return tree;
}

stepSuite('the compiled sudo step', () => {
  test('the job gets the same environment as through the Node step; a planted snapshot name is replaced', async () => {
    const env = {
      MY_SETTING: 'a b=c',
      MULTI: 'line one\nline two',
      EMPTY: '',
      NODE_OPTIONS: '--no-warnings',
      LSF_DOCKER_JOB_ENVIRONMENT: '/etc/shadow',
      LSFD_LAUNCHER_MOVED: 'NODE_PLANTED',
    };
    const viaC = await envFileThrough('compiled', env);
    const viaNode = await envFileThrough('node', env);
    expect(viaC).toEqual(viaNode);
    expect(viaC).toEqual(
      expect.arrayContaining(['MY_SETTING=a b=c', 'EMPTY=', 'NODE_OPTIONS=--no-warnings']),
    );
    expect(viaC.join('\n')).not.toMatch(/root:|LSF_DOCKER_JOB_ENVIRONMENT|LSFD_LAUNCHER_/);
    expect(snapshotsOfUser()).toEqual([]);
  });

  test('no Node process waits with the job: the step is lsfd-launch, under 8 MB; SIGTERM to it ends the job as 143', async () => {
    const job = spawnAs(
      TEST_USER,
      [program('lsf-docker'), 'sudo', 'docker_run', '--config', config, 'sleep 60'],
      {
        env: { LSB_CONTAINER_IMAGE: IMAGES.busybox, LS_SUBCWD: user.home },
        detached: true,
      },
    );
    try {
      let tree = processTree(job.pid);
      for (let i = 0; i < 200 && !tree.some((p) => p.name === 'sudo'); i++) {
        await sleep(50);
        tree = processTree(job.pid);
      }
      const step = tree.find((p) => p.pid === job.pid);
      expect(step?.name).toBe('lsfd-launch');
      expect(step!.rssKb).toBeLessThan(8 * 1024);
      expect(tree.map((p) => p.name)).toContain('sudo');
      await sleep(1500);
      process.kill(job.pid, 'SIGTERM'); // the step alone: it passes the signal on
      const r = await job.result;
      expect(r.exitCode).toBe(143);
    } finally {
      job.kill('SIGKILL');
      await job.result;
    }
    expect(snapshotsOfUser()).toEqual([]);
  });

  test("the program's exit status comes back, and --config before sudo goes to the program", async () => {
    const r = await runAs(
      TEST_USER,
      [program('lsf-docker'), '--config', config, 'sudo', 'docker_run', 'exit 3'],
      {
        env: { LSB_CONTAINER_IMAGE: IMAGES.busybox, LS_SUBCWD: user.home },
      },
    );
    expect(r.exitCode).toBe(3);
    expect(snapshotsOfUser()).toEqual([]);
  });

  test('forms it does not take reach the Node step: --help, an unknown program', async () => {
    const help = await runAs(TEST_USER, [program('lsf-docker'), 'sudo', '--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/^Usage: lsf-docker \[--config FILE\] sudo PROGRAM/);
    const unknown = await runAs(TEST_USER, [program('lsf-docker'), 'sudo', 'bash', '-c', 'id']);
    expect(unknown.exitCode).not.toBe(0);
    expect(unknown.stderr).toMatch(/PROGRAM must be one of docker_run, docker_exec, docker_build/);
    expect(snapshotsOfUser()).toEqual([]);
  });
});
