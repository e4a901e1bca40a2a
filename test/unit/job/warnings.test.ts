/**
 * What policy let a job run without (limits a rootless podman cannot enforce, host groups it
 * cannot map) is one WARNING line each in the job's output, before anything of the job's own.
 */
import { describe, expect, test } from '@jest/globals';
import { runJob } from '../../../lib/job/run-job.js';
import type { RunInput } from '../../../lib/runtime/types.js';
import { jobHarness, runInput } from './helpers.js';

const WARNINGS = [
  'WARNING: rootless podman on cgroup v1 cannot enforce memory 4g: the job runs without them ([resources] unenforceable = warn)',
  'WARNING: rootless podman on cgroup v1 cannot give the job your host groups lab(4300): files only those groups may use on the host are not accessible in the job',
];

describe('warnings in the job output', () => {
  test('each on its own line, first, then the job runs with its own status', async () => {
    const input = { ...runInput(), warnings: WARNINGS } as RunInput;
    const h = jobHarness(
      { images: ['lsf-docker-test/busybox'], runs: [{ exit: 3, stderr: 'job says\n' }] },
      { input },
    );
    expect(await runJob(h.ctx)).toBe(3);
    expect(h.stderr.slice(0, 2)).toEqual(WARNINGS.map((w) => `docker_run: ${w}\n`));
    expect(h.runtime.ops()).toEqual(['run:lsf-docker-test/busybox']);
  });

  test('none: nothing is written', async () => {
    const h = jobHarness({ images: ['lsf-docker-test/busybox'], runs: [{ exit: 0 }] });
    expect(await runJob(h.ctx)).toBe(0);
    expect(h.stderr).toEqual([]);
  });
});
