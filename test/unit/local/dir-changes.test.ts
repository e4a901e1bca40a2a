/**
 * DirChanges (lib/local/dir-changes.ts), on a real directory and inotify: a waiting command
 * (bsub -K, bwait) is woken by a record renamed into the jobs dir that it cares about, not by
 * others, keeps a change that came while it was looking, and without a watch only waits its time.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from '@jest/globals';
import { DirChanges } from '../../../lib/local/dir-changes.js';
import { recordIndex } from '../../../lib/local/wait.js';

let dir: string;
let changes: DirChanges | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lsfd-changes-'));
});
afterEach(() => {
  changes?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A record written as the local LSF writes one: a temp file renamed over the name. */
function writeRecord(name: string): void {
  const tmp = join(dir, `${name}.${process.pid}.x.tmp`);
  writeFileSync(tmp, '{}');
  renameSync(tmp, join(dir, name));
}

/** How long `next(ms)` took, in ms. */
async function timed(wait: Promise<unknown>): Promise<number> {
  const t0 = Date.now();
  await wait;
  return Date.now() - t0;
}

test('a record of the job wakes the waiter long before its time, with its name', async () => {
  changes = new DirChanges(dir, (name) => name.startsWith('7.') && name.endsWith('.json'));
  expect(changes.watching).toBe(true);
  const wait = changes.next(10_000);
  setTimeout(() => writeRecord('7.1.json'), 20);
  expect(await timed(wait)).toBeLessThan(2_000);
  expect(await wait).toEqual(new Set(['7.1.json']));
});

test('the time running out says nothing is known: look at everything', async () => {
  changes = new DirChanges(dir, () => true);
  expect(await changes.next(50)).toBeUndefined();
});

test("another job's record does not wake it: it waits its time", async () => {
  changes = new DirChanges(dir, (name) => name.startsWith('7.') && name.endsWith('.json'));
  const wait = changes.next(400);
  setTimeout(() => writeRecord('17.1.json'), 20);
  expect(await timed(wait)).toBeGreaterThanOrEqual(350);
});

test('a change made while nobody waited is kept for the next wait, once', async () => {
  changes = new DirChanges(dir, (name) => name === '7.2.json');
  writeRecord('7.2.json');
  await new Promise((r) => setTimeout(r, 100)); // the event reaches the loop
  const kept = changes.next(10_000);
  expect(await timed(kept)).toBeLessThan(50);
  expect(await kept).toEqual(new Set(['7.2.json']));
  expect(await timed(changes.next(300))).toBeGreaterThanOrEqual(250);
});

test('without a watch (the dir cannot be watched) next only waits its time', async () => {
  changes = new DirChanges(join(dir, 'missing'), () => true);
  expect(changes.watching).toBe(false);
  expect(await timed(changes.next(200))).toBeGreaterThanOrEqual(150);
});

test("recordIndex reads the element of the job's own record names only", () => {
  expect(recordIndex('7.12.json', 7)).toBe(12);
  expect(recordIndex('17.12.json', 7)).toBeUndefined();
  expect(recordIndex('7.env.json', 7)).toBeUndefined();
  expect(recordIndex('7.12.json.4711.abc.tmp', 7)).toBeUndefined();
  expect(recordIndex('7.12.lock', 7)).toBeUndefined();
});
