import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkContext, checkReadableFile, checkWritableFile, permits } from '../../../lib/build/access.js';

describe('permits: the permission class that applies, as the kernel picks it', () => {
  const asker = { uid: 10, gid: 20, groups: [30] };
  test.each<[number, number, number, 'r' | 'w' | 'x', boolean]>([
    [0o400, 10, 99, 'r', true],
    [0o044, 10, 20, 'r', false], // the owner class decides for the owner, even if group/other could
    [0o040, 99, 20, 'r', true],
    [0o040, 99, 30, 'r', true], // a supplementary group
    [0o004, 99, 30, 'r', false], // a member of the group gets the group class, not other
    [0o004, 99, 99, 'r', true],
    [0o001, 99, 99, 'x', true],
    [0o775, 99, 99, 'w', false],
  ])('mode %o owner %i group %i: %s is %s', (mode, uid, gid, want, expected) => {
    expect(permits({ mode, uid, gid }, asker, want)).toBe(expected);
  });
});

describe('file checks against a real tree', () => {
  const me = { uid: process.getuid!(), gid: process.getgid!(), groups: [] as number[] };
  const stranger = { uid: 2_000_000_001, gid: 2_000_000_001, groups: [] as number[] };
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'lsfd-access-'));
    chmodSync(root, 0o755);
    mkdirSync(path.join(root, 'ctx/sub'), { recursive: true });
    writeFileSync(path.join(root, 'ctx/Dockerfile'), 'FROM x\n', { mode: 0o644 });
    writeFileSync(path.join(root, 'ctx/sub/data'), 'x', { mode: 0o644 });
    writeFileSync(path.join(root, 'secret'), 's', { mode: 0o600 });
    symlinkSync(path.join(root, 'secret'), path.join(root, 'ctx/leak'));
    symlinkSync('Dockerfile', path.join(root, 'ctx/inside'));
    mkdirSync(path.join(root, 'closed'), { mode: 0o700 });
    writeFileSync(path.join(root, 'closed/Dockerfile'), 'FROM x\n', { mode: 0o644 });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('a context everyone can read passes, and links leaving it are reported', () => {
    const report = checkContext(path.join(root, 'ctx'), stranger);
    expect(report.problems).toEqual([]);
    expect(report.files).toBe(4);
    expect(report.dirs).toBe(2);
    expect(report.outsideLinks).toEqual([
      { path: path.join(root, 'ctx/leak'), target: path.join(root, 'secret') },
    ]);
  });

  test('an unreadable file or directory in the context is a problem naming it', () => {
    chmodSync(path.join(root, 'ctx/sub/data'), 0o600);
    chmodSync(path.join(root, 'ctx/sub'), 0o711);
    try {
      const report = checkContext(path.join(root, 'ctx'), stranger);
      expect(report.problems).toEqual([
        { path: path.join(root, 'ctx/sub'), reason: 'is a directory you cannot list or enter' },
      ]);
      chmodSync(path.join(root, 'ctx/sub'), 0o755);
      expect(checkContext(path.join(root, 'ctx'), stranger).problems).toEqual([
        { path: path.join(root, 'ctx/sub/data'), reason: 'is not readable by you' },
      ]);
      expect(checkContext(path.join(root, 'ctx'), me).problems).toEqual([]);
    } finally {
      chmodSync(path.join(root, 'ctx/sub/data'), 0o644);
      chmodSync(path.join(root, 'ctx/sub'), 0o755);
    }
  });

  test('a context that is missing, a file, or behind a closed directory', () => {
    expect(checkContext(path.join(root, 'nope'), me).problems[0]?.reason).toBe('does not exist');
    expect(checkContext(path.join(root, 'secret'), me).problems[0]?.reason).toMatch(/not a directory/);
    expect(checkContext(path.join(root, 'closed'), stranger).problems[0]?.reason).toMatch(
      /cannot list or enter/,
    );
  });

  test('checkReadableFile: the Dockerfile or a secret, as the user', () => {
    expect(checkReadableFile(path.join(root, 'ctx/Dockerfile'), stranger)).toBeUndefined();
    expect(checkReadableFile(path.join(root, 'secret'), stranger)).toEqual({
      path: path.join(root, 'secret'),
      reason: 'is not readable by you',
    });
    expect(checkReadableFile(path.join(root, 'ctx/leak'), stranger)?.reason).toBe('is not readable by you');
    expect(checkReadableFile(path.join(root, 'closed/Dockerfile'), stranger)).toEqual({
      path: path.join(root, 'closed'),
      reason: 'is a directory you cannot enter (no x permission)',
    });
    expect(checkReadableFile(path.join(root, 'ctx'), me)?.reason).toBe('is not a regular file');
  });

  test('checkWritableFile: only into a directory the user owns, never through a foreign file', () => {
    expect(checkWritableFile(path.join(root, 'ctx/iid'), me)).toBeUndefined();
    expect(checkWritableFile(path.join(root, 'ctx/iid'), stranger)?.reason).toMatch(
      /not a directory of yours/,
    );
    expect(checkWritableFile(path.join(root, 'ctx/leak'), me)?.reason).toMatch(/not a regular file of yours/);
  });
});
