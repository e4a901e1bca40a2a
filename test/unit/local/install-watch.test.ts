/**
 * InstallWatch (lib/local/install-watch.ts): a long-lived dispatcher notices that its program was
 * replaced on disk (an upgrade swaps the files in; a build rewrites one), and not while a file is
 * missing for a moment (an install between removing the old tree and moving the new one in).
 */
import { mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from '@jest/globals';
import { fileIdentity, InstallWatch } from '../../../lib/local/install-watch.js';

let dir: string;
let launcher: string;
let bundle: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lsfd-install-'));
  launcher = join(dir, 'lsf-docker');
  bundle = join(dir, 'lsf_docker.cjs');
  writeFileSync(launcher, '#!launcher\n');
  writeFileSync(bundle, 'module.exports = 1;\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('unchanged files are not a replacement', () => {
  const watch = new InstallWatch([launcher, bundle]);
  expect(watch.replaced()).toBe(false);
  expect(watch.replaced()).toBe(false);
});

test('a file swapped in by a rename (install.sh) is one', () => {
  const watch = new InstallWatch([launcher, bundle]);
  writeFileSync(`${bundle}.new`, 'module.exports = 1;\n');
  renameSync(`${bundle}.new`, bundle);
  expect(watch.replaced()).toBe(true);
});

test('a file rewritten in place (a build), same size, is one by its modification time', () => {
  const watch = new InstallWatch([launcher, bundle]);
  writeFileSync(bundle, 'module.exports = 2;\n');
  const later = new Date(Date.now() + 5_000);
  utimesSync(bundle, later, later);
  expect(watch.replaced()).toBe(true);
});

test('a file missing for now is not yet one; back with another identity it is', () => {
  const watch = new InstallWatch([launcher, bundle]);
  rmSync(launcher);
  expect(watch.replaced()).toBe(false);
  writeFileSync(launcher, '#!launcher, new\n');
  expect(watch.replaced()).toBe(true);
});

test('a file that could not be read at the start is not watched', () => {
  const missing = join(dir, 'never');
  const watch = new InstallWatch([missing]);
  writeFileSync(missing, 'x');
  expect(watch.replaced()).toBe(false);
  expect(fileIdentity(missing)).toMatch(/^\d+:\d+:1:\d+$/);
});
