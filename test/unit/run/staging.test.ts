/** When the staging comes down (lib/run/staging.ts releaseOnceRunning); the mounts themselves: test/itg/attacks. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, test } from '@jest/globals';
import { releaseOnceRunning } from '../../../lib/run/staging.js';
import { memoryLogger, sleep } from '../job/helpers.js';

describe('releaseOnceRunning', () => {
  test('waits for the cidfile and the running container, then releases once; stop() ends the watch', async () => {
    const dir = mkdtempSync(`${tmpdir()}/lsfd-stage-`);
    try {
      const cidfile = `${dir}/cid`;
      let released = 0;
      let running = false;
      const asked: string[] = [];
      const runtime = {
        hostPids: async (id: string) => {
          asked.push(id);
          return running ? [4242] : [];
        },
      };
      const watch = releaseOnceRunning(
        {
          mounts: [],
          release: () => {
            released++;
            return [];
          },
        },
        runtime,
        cidfile,
        memoryLogger(),
        10,
      );
      await sleep(50);
      expect([released, asked.length]).toEqual([0, 0]); // no cidfile yet: the runtime is not asked
      writeFileSync(cidfile, `${'c'.repeat(64)}\n`);
      await sleep(50);
      expect(released).toBe(0);
      running = true;
      await sleep(50);
      expect(released).toBe(1);
      const n = asked.length;
      await sleep(50);
      expect(asked.length).toBe(n);
      watch.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
