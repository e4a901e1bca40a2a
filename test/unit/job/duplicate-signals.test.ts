/**
 * Through the sudo rule a job's docker_run gets each signal twice (the process group's, and
 * sudo's relay of it): relayed once, so that the job's trap runs once; a signal sent again later
 * is relayed again.
 */
import { describe, expect, test } from '@jest/globals';
import { DUPLICATE_MS } from '../../../lib/job/phases.js';
import { runJob } from '../../../lib/job/run-job.js';
import { jobHarness, sleep } from './helpers.js';

const IMAGE = 'lsf-docker-test/busybox';

describe('the same signal twice at once', () => {
  test('relayed once; the same signal after the window, relayed again', async () => {
    const h = jobHarness({ images: [IMAGE], runs: [{ diesOn: { SIGTERM: 143 } }] });
    const status = runJob(h.ctx);
    await sleep(20);
    h.send('SIGINT');
    h.send('SIGINT');
    await sleep(DUPLICATE_MS + 50);
    h.send('SIGINT');
    await sleep(20);
    h.send('SIGTERM');
    h.send('SIGTERM');
    expect(await status).toBe(143);
    expect(h.runtime.ops()).toEqual([`run:${IMAGE}`, 'signal:SIGINT', 'signal:SIGINT', 'signal:SIGTERM']);
  });
});
