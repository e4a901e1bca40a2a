/**
 * The docker-group mode (supported, documented as "no boundary": whoever is in the docker group
 * is root on the host): lsfd-dock runs docker_run directly as itself. The job still gets the same
 * container (the user, no capabilities, the policy's mounts); what is not there is a boundary,
 * since lsfd-dock can run `docker` itself (test/itg/foundation.test.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { dockerRun, itgConfig, leftoverContainers, privateDirs } from './helpers/job.js';
import { throughSudo } from './helpers/mode.js';
import { DOCKER_GROUP_USER, userInfo } from './helpers/users.js';
import { cleanupWorkspace, userDir } from './helpers/workspace.js';

const dock = userInfo(DOCKER_GROUP_USER);
let config: string;
let work: string;

beforeAll(async () => {
  config = await itgConfig();
  work = await userDir(DOCKER_GROUP_USER, 'dockmode');
});
afterAll(cleanupWorkspace);

describe('docker_run run directly by a member of the docker group', () => {
  test('is not routed through the sudo rule', () => {
    expect(throughSudo(DOCKER_GROUP_USER)).toBe(false);
  });

  test('the container runs as the user, locked down, with the whole job environment', async () => {
    const r = await dockerRun(
      DOCKER_GROUP_USER,
      ['id -u; pwd; grep CapEff /proc/self/status; echo "$MY_VAR"'],
      {
        cwd: work,
        config,
        env: { MY_VAR: 'kept' },
      },
    );
    expect({ exit: r.exitCode, out: r.stdout.split('\n') }).toEqual({
      exit: 0,
      out: [String(dock.uid), work, 'CapEff:\t0000000000000000', 'kept'],
    });
    expect(privateDirs(dock.uid)).toEqual([]);
    expect(await leftoverContainers(dock.uid)).toEqual([]);
  });

  test('policy refuses the same requests with the same one line', async () => {
    const r = await dockerRun(DOCKER_GROUP_USER, ['true'], {
      cwd: work,
      config,
      env: { LSF_DOCKER_VOLUMES: '/etc:/x' },
    });
    expect(r.exitCode).toBe(213);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^docker_run: LSF_DOCKER_VOLUMES: "\/etc:\/x": \/etc is not under an allowed volume root/,
    );
  });
});
