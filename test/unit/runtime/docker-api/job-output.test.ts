/**
 * The job's output from the attach stream (job-output.ts): straight to the wrapper's descriptor,
 * handed to process.stdout's stand-in when the descriptor cannot take it, dropped once its
 * reader is gone (`| head`), and the held stderr's chunks passed on as they come.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { expect, test } from '@jest/globals';
import { ChunkPipe, FdSink } from '../../../../lib/runtime/docker-api/job-output.js';

test('written whole to the descriptor, in order, strings and buffers alike', () => {
  const file = path.join(tmpdir(), `lsfd-sink-${process.pid}`);
  const fd = openSync(file, 'w');
  const sink = new FdSink(fd, () => {
    throw new Error('no fallback expected');
  });
  expect(sink.write('one\n')).toBe(true);
  expect(sink.write(Buffer.from('xxtwo\n').subarray(2))).toBe(true);
  closeSync(fd);
  expect(readFileSync(file, 'utf8')).toBe('one\ntwo\n');
  rmSync(file);
});

test('a descriptor that fails (EBADF): this write and every later one go to the fallback, with its drain', () => {
  const fd = openSync('/dev/null', 'r');
  closeSync(fd);
  const fallback = new PassThrough({ highWaterMark: 4 });
  const seen: string[] = [];
  let made = 0;
  const sink = new FdSink(fd, () => {
    made++;
    return fallback;
  });
  expect(sink.write('abcdef')).toBe(false); // over the fallback's mark: backpressure passed on
  let drained = false;
  sink.once('drain', () => {
    drained = true;
  });
  fallback.on('data', (d: Buffer) => seen.push(d.toString()));
  sink.write('gh');
  expect(made).toBe(1);
  return new Promise<void>((resolve) =>
    setImmediate(() => {
      expect(seen.join('')).toBe('abcdefgh');
      expect(drained).toBe(true);
      resolve();
    }),
  );
});

test('the reader gone (EPIPE): the rest is dropped, nothing thrown, no fallback', () => {
  const pipe = path.join(tmpdir(), `lsfd-fifo-${process.pid}`);
  rmSync(pipe, { force: true });
  execFileSync('mkfifo', [pipe]);
  const reader = openSync(pipe, 'r+'); // a reader, so the writer's open does not wait
  const writer = openSync(pipe, 'w');
  closeSync(reader);
  const sink = new FdSink(writer, () => {
    throw new Error('no fallback expected');
  });
  expect(sink.write('lost\n')).toBe(true);
  expect(sink.write('lost too\n')).toBe(true);
  closeSync(writer);
  rmSync(pipe);
});

test('ChunkPipe: each chunk to the data listeners at once, as a Buffer; end() emits end', () => {
  const pipe = new ChunkPipe();
  const got: Buffer[] = [];
  let ended = false;
  pipe.on('data', (d: Buffer) => got.push(d));
  pipe.on('end', () => {
    ended = true;
  });
  pipe.write('err\n');
  pipe.write(Buffer.from('more'));
  pipe.end();
  expect(Buffer.concat(got).toString()).toBe('err\nmore');
  expect(got.every((b) => Buffer.isBuffer(b))).toBe(true);
  expect(ended).toBe(true);
});
