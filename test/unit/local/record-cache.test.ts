/**
 * The dispatcher's record cache (lib/local/record.ts): a full look sees every record and request
 * file; the look after one of its jobs ended (not full) re-reads only the records that are not
 * finished, so that a turn costs the running and pending jobs, not the thousands a user dir may
 * hold, and still sees every change a running or pending job's record makes.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from '@jest/globals';
import { type JobRecord, RecordCache, readRecord, writeRecord } from '../../../lib/local/record.js';
import { jobRecord } from '../helpers/fixtures.js';

let user: string;
beforeEach(() => {
  user = mkdtempSync(join(tmpdir(), 'lsfd-records-'));
  mkdirSync(join(user, 'jobs'));
});
afterEach(() => rmSync(user, { recursive: true, force: true }));

const rec = (id: number, over: Partial<JobRecord> = {}) => jobRecord({ id, name: `j${id}`, ...over });
const statuses = (records: JobRecord[]) => records.map((r) => `${r.id}:${r.status}`);

test('not full: the running and pending records re-read; finished ones, new ones and request files left for the full look', () => {
  const dirs = { user };
  writeRecord(dirs, rec(1, { status: 'DONE' }));
  writeRecord(dirs, rec(2, { status: 'RUN' }));
  writeRecord(dirs, rec(3));
  const cache = new RecordCache(dirs);
  expect(statuses(cache.refresh().records)).toEqual(['1:DONE', '2:RUN', '3:PEND']);

  writeRecord(dirs, rec(2, { status: 'DONE' })); // its job ended
  writeRecord(dirs, rec(3, { status: 'RUN' }));
  writeRecord(dirs, rec(1, { status: 'PEND' })); // brequeue of a finished job: a command that wakes for a full look
  writeRecord(dirs, rec(4)); // a new job: its bsub wakes for a full look
  writeFileSync(join(user, 'jobs', '3.0.kill'), 'TERMINATE');
  const partial = cache.refresh(false);
  expect(statuses(partial.records)).toEqual(['1:DONE', '2:DONE', '3:RUN']);
  expect(partial.others).toEqual([]);

  const full = cache.refresh();
  expect(statuses(full.records)).toEqual(['1:PEND', '2:DONE', '3:RUN', '4:PEND']);
  expect(full.others).toContain('3.0.kill');
});

test('not full: a running record removed is gone from the answer; the first look is always full', () => {
  const dirs = { user };
  writeRecord(dirs, rec(5, { status: 'RUN' }));
  const cache = new RecordCache(dirs);
  expect(statuses(cache.refresh(false).records)).toEqual(['5:RUN']); // nothing listed yet: a full look
  rmSync(join(user, 'jobs', '5.0.json'));
  expect(cache.refresh(false).records).toEqual([]);
});

test('not full: finished records are not even looked at (no stat), whatever their number', () => {
  const dirs = { user };
  for (let id = 1; id <= 200; id++) writeRecord(dirs, rec(id, { status: 'EXIT' }));
  writeRecord(dirs, rec(201, { status: 'RUN' }));
  const cache = new RecordCache(dirs);
  cache.refresh();
  // A finished record whose file is now unreadable would fail a stat or a read: it is served from the cache.
  for (let id = 1; id <= 200; id++) writeFileSync(join(user, 'jobs', `${id}.0.json`), '{not json');
  const records = cache.refresh(false).records;
  expect(records).toHaveLength(201);
  expect(records.every((r) => r.status === 'EXIT' || r.id === 201)).toBe(true);
  expect(readRecord(join(user, 'jobs', '1.0.json'))).toBeUndefined();
  expect(statSync(join(user, 'jobs', '201.0.json')).isFile()).toBe(true);
});
