/** A profile's fixed container name: only the same user's previous container from the same profile is replaced. */
import { describe, expect, test } from '@jest/globals';
import { ExitCode } from '../../../lib/kernel/exit-codes.js';
import { foreignReason, replacePrevious } from '../../../lib/run/replace-container.js';
import { fakeRuntime } from '../../../lib/runtime/fake.js';
import type { FoundContainer } from '../../../lib/runtime/types.js';
import { memoryLogger } from '../job/helpers.js';

const WANT = { name: 'readout', profile: 'readout', uid: 4210 };

function container(over: Partial<FoundContainer> & { labels?: Record<string, string> } = {}): FoundContainer {
  return {
    id: 'a'.repeat(64),
    name: 'readout',
    running: true,
    user: '4210:4210',
    workdir: '/home/flp',
    ...over,
    labels: {
      'lsf-docker.managed': 'true',
      'lsf-docker.uid': '4210',
      'lsf-docker.profile': 'readout',
      ...over.labels,
    },
  };
}

describe('foreignReason: labels and the config user together', () => {
  test.each<[string, FoundContainer, string | undefined]>([
    ['theirs: same uid by user and label, same profile', container(), undefined],
    ['theirs, primary group changed since', container({ user: '4210:4400' }), undefined],
    [
      'another user',
      container({ user: '4211:4211', labels: { 'lsf-docker.uid': '4211' } }),
      'it runs as 4211:4211, not uid 4210',
    ],
    ['labels forged by another user', container({ user: '4211:4211' }), 'it runs as 4211:4211, not uid 4210'],
    [
      'user forged, label says another',
      container({ labels: { 'lsf-docker.uid': '4211' } }),
      'its lsf-docker.uid label is not 4210',
    ],
    ["the image's user", container({ user: '' }), "it runs as the image's user, not uid 4210"],
    [
      'another profile',
      container({ labels: { 'lsf-docker.profile': 'other' } }),
      'it is not from profile readout',
    ],
    ['no profile', container({ labels: { 'lsf-docker.profile': '' } }), 'it is not from profile readout'],
    [
      'not ours',
      container({ labels: { 'lsf-docker.managed': 'false' } }),
      'it was not started by lsf-docker',
    ],
  ])('%s', (_what, c, reason) => {
    expect(foreignReason(c, WANT)).toBe(reason);
  });
});

describe('replacePrevious through the runtime seam', () => {
  test('their previous container of that name is removed; others of other names are left', async () => {
    const runtime = fakeRuntime({
      containers: [container(), container({ id: 'b'.repeat(64), name: 'lsf_1_0_2' })],
    });
    const log = memoryLogger();
    await replacePrevious(runtime, WANT, log);
    expect(runtime.ops()).toEqual(['find:lsf-docker.managed=true', `removeId:${'a'.repeat(64)}`]);
    expect(log.lines).toEqual([
      `INFO: replaced your previous container readout (${'a'.repeat(12)}) of profile readout`,
    ]);
  });

  test('no container of that name: nothing removed', async () => {
    const runtime = fakeRuntime({ containers: [container({ name: 'readout2' })] });
    await replacePrevious(runtime, WANT, memoryLogger());
    expect(runtime.ops()).toEqual(['find:lsf-docker.managed=true']);
  });

  test("another user's container of that name: the job stops (220), the container is left alone", async () => {
    const runtime = fakeRuntime({
      containers: [container({ user: '4211:4211', labels: { 'lsf-docker.uid': '4211' } })],
    });
    await expect(replacePrevious(runtime, WANT, memoryLogger())).rejects.toMatchObject({
      code: ExitCode.CONTAINER_START,
      message:
        'profile readout: container name readout is taken by a container that is not yours (it runs as 4211:4211, not uid 4210): not replaced',
    });
    expect(runtime.ops()).toEqual(['find:lsf-docker.managed=true']);
  });

  test('a removal that fails stops the job; one already gone does not', async () => {
    const failing = fakeRuntime({
      containers: [container()],
      removeFails: { ['a'.repeat(64)]: 'device busy' },
    });
    await expect(replacePrevious(failing, WANT, memoryLogger())).rejects.toMatchObject({
      code: ExitCode.CONTAINER_START,
      message: 'profile readout: cannot remove your previous container readout: device busy',
    });
  });

  test('a daemon that cannot be reached is the daemon error', async () => {
    const down = fakeRuntime({ daemonDown: true });
    await expect(replacePrevious(down, WANT, memoryLogger())).rejects.toMatchObject({
      code: ExitCode.DAEMON_UNREACHABLE,
    });
  });
});
