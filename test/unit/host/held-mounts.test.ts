/** The pure parts of holding and staging (the mounts themselves are proven by test/itg/attacks/races). */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  components,
  HoldError,
  heldStat,
  holdDir,
  mountPoints,
  unescapeMountField,
} from '../../../lib/host/held-mounts.js';
import { readPrivateDirProof } from '../../../lib/host/private-dir.js';

describe('mountinfo', () => {
  test('mount points, with their octal escapes decoded', () => {
    const text = [
      '36 35 98:0 / / rw,noatime shared:1 - ext4 /dev/root rw',
      '100 36 98:0 /home/u/w /tmp/lsf-docker.4201.AbC123/mnt/0 rw - ext4 /dev/root rw',
      '101 36 0:5 / /mnt/a\\040b rw - tmpfs tmpfs rw',
      '',
    ].join('\n');
    expect(mountPoints(text)).toEqual(['/', '/tmp/lsf-docker.4201.AbC123/mnt/0', '/mnt/a b']);
    expect(unescapeMountField('a\\011b\\134c')).toBe('a\tb\\c');
  });

  test('components', () => {
    expect(components('/a//b/./c/')).toEqual(['a', 'b', 'c']);
  });
});

describe('holdDir: a walk that follows no symlink', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(`${tmpdir()}/lsfd-hold-`);
    mkdirSync(`${dir}/real/sub`, { recursive: true });
    symlinkSync(`${dir}/real`, `${dir}/link`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('holds a real directory; a symlink anywhere on the way is refused', () => {
    const fd = holdDir(`${dir}/real/sub`);
    expect(heldStat(fd).isDirectory()).toBe(true);
    expect(() => holdDir(`${dir}/link/sub`)).toThrow(HoldError);
    expect(() => holdDir(`${dir}/link/sub`)).toThrow(/changed while it was being checked/);
    expect(() => holdDir(`${dir}/real/none`)).toThrow(/a part of it is gone/);
    expect(() => holdDir(`${dir}/real/sub`, `${dir}/real`)).not.toThrow();
  });
});

describe('readPrivateDirProof: what only root (or the user) could have written', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(`${tmpdir()}/lsfd-proof-`);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('a label naming another uid, a missing dir, or a path outside the grammar proves nothing', () => {
    const euid = process.geteuid!();
    expect(readPrivateDirProof(`${root}/lsf-docker.4202.AbC123`, 4201, [euid])).toEqual({
      ok: false,
      reason: 'its lsf-docker.dir label does not name a private dir of yours',
    });
    expect(readPrivateDirProof(`${root}/lsf-docker.4201.AbC123`, 4201, [euid])).toMatchObject({ ok: false });
    expect(readPrivateDirProof('relative/lsf-docker.4201.AbC123', 4201, [euid])).toMatchObject({ ok: false });
  });
});
