/**
 * The TERM note (lib/local/term-note.ts): an adopting dispatcher's reason for ending a job, read
 * once by the dispatcher still its parent; only LSF's own TERM_ lines are taken from it.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from '@jest/globals';
import { TERM } from '../../../lib/local/job-finish.js';
import { jobPaths } from '../../../lib/local/record.js';
import { takeTermNote, writeTermNote } from '../../../lib/local/term-note.js';

let user: string;
beforeEach(() => {
  user = mkdtempSync(join(tmpdir(), 'lsfd-term-'));
  mkdirSync(join(user, 'jobs'));
});
afterEach(() => rmSync(user, { recursive: true, force: true }));

test('written by the adopter, taken once by the parent', () => {
  const dirs = { user };
  expect(takeTermNote(dirs, 7, 2)).toBeUndefined();
  writeTermNote(dirs, 7, 2, TERM.owner);
  expect(takeTermNote(dirs, 7, 2)).toBe(TERM.owner);
  expect(existsSync(jobPaths(dirs, 7, 2).term)).toBe(false);
  expect(takeTermNote(dirs, 7, 2)).toBeUndefined();
});

test('anything but a TERM_ line of LSF is not taken (and the file is gone)', () => {
  const dirs = { user };
  writeFileSync(jobPaths(dirs, 7, 3).term, 'Successfully completed.\n');
  expect(takeTermNote(dirs, 7, 3)).toBeUndefined();
  expect(existsSync(jobPaths(dirs, 7, 3).term)).toBe(false);
});
