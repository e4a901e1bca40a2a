import { spawn } from 'node:child_process';
import type { Identity } from '../host/identity.js';

/**
 * One file operation made by a child process running as the user (never as root), so that the
 * kernel checks the user's rights on every path component: read a file, make a directory, write a
 * file. The last path component is never followed if it is a symlink (O_NOFOLLOW).
 */
export type UserFileOp =
  | { op: 'read'; path: string }
  /** KEEPMODE: an existing directory keeps its mode (a parent such as ~/.config). */
  | { op: 'mkdir'; path: string; mode: number; keepMode?: boolean }
  /** ATOMIC: written to a new file beside PATH, then renamed over it (a symlink at PATH is replaced, not followed). */
  | { op: 'write'; path: string; mode: number; text: string; atomic: boolean };

/** What the child reports: the file's text for a read (undefined when it does not exist), or why it failed. */
export type UserFileResult = { ok: true; text?: string } | { ok: false; reason: string };

/**
 * The child's program (run with `node -e`): the request comes as JSON on stdin (so that file
 * contents, credentials included, never show in argv), the result on stdout / exit status:
 * 0 done, 3 no such file (read), 2 failed with the reason on stderr.
 */
export const CHILD_SCRIPT = `
const fs = require('node:fs');
const c = fs.constants;
const chunks = [];
process.stdin.on('data', (d) => chunks.push(d));
process.stdin.on('end', () => {
  const r = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  try {
    if (r.op === 'read') {
      let fd;
      try {
        fd = fs.openSync(r.path, c.O_RDONLY | c.O_NOFOLLOW | c.O_NONBLOCK);
      } catch (e) {
        if (e.code === 'ENOENT') process.exit(3);
        throw e;
      }
      const st = fs.fstatSync(fd);
      if (!st.isFile()) throw new Error('is not a regular file');
      if (st.size > 1048576) throw new Error('is larger than 1 MiB');
      process.stdout.write(fs.readFileSync(fd));
      fs.closeSync(fd);
    } else if (r.op === 'mkdir') {
      try {
        fs.mkdirSync(r.path, { mode: r.mode });
      } catch (e) {
        if (e.code !== 'EEXIST') throw e;
      }
      const st = fs.lstatSync(r.path);
      if (!st.isDirectory()) throw new Error('is not a directory');
      if (!r.keepMode && (st.mode & 0o777) !== r.mode) fs.chmodSync(r.path, r.mode);
    } else if (r.op === 'write') {
      const target = r.atomic ? r.path + '.lsf-docker-' + process.pid : r.path;
      const flags = c.O_WRONLY | c.O_CREAT | c.O_NOFOLLOW | c.O_NONBLOCK | (r.atomic ? c.O_EXCL : c.O_TRUNC);
      const fd = fs.openSync(target, flags, r.mode);
      try {
        if (!fs.fstatSync(fd).isFile()) throw new Error('is not a regular file');
        fs.writeSync(fd, r.text);
        if (r.atomic) fs.fchmodSync(fd, r.mode);
        fs.fsyncSync(fd);
      } catch (e) {
        if (r.atomic) fs.rmSync(target, { force: true });
        throw e;
      } finally {
        fs.closeSync(fd);
      }
      if (r.atomic) {
        try {
          fs.renameSync(target, r.path);
        } catch (e) {
          fs.rmSync(target, { force: true });
          throw e;
        }
      }
    } else throw new Error('unknown operation');
  } catch (e) {
    const why = { ELOOP: 'is a symlink (not followed)', EACCES: 'permission denied', EEXIST: 'exists already',
      ENOENT: 'a directory on the way does not exist', ENXIO: 'is not a regular file', ENOTDIR: 'a part of the path is not a directory' };
    process.stderr.write((why[e.code] || e.message) + '\\n');
    process.exit(2);
  }
});
`;

/** The argv that runs NODE with SCRIPT as the user: setpriv (util-linux) sets the uid, gid and groups, then execs. */
export function asUserArgv(
  identity: Pick<Identity, 'uid' | 'gid' | 'groups'>,
  node: string,
  script: string,
): string[] {
  const groups = identity.groups.filter((g) => g !== identity.gid);
  return [
    'setpriv',
    `--reuid=${identity.uid}`,
    `--regid=${identity.gid}`,
    groups.length > 0 ? `--groups=${groups.join(',')}` : '--clear-groups',
    '--',
    node,
    '-e',
    script,
  ];
}

/** Reads what the child reported. */
export function userFileResult(exitCode: number | null, stdout: string, stderr: string): UserFileResult {
  if (exitCode === 0) return { ok: true, text: stdout };
  if (exitCode === 3) return { ok: true, text: undefined };
  return {
    ok: false,
    reason: stderr.trim().split('\n').at(-1) || `failed (exit ${exitCode ?? 'by signal'})`,
  };
}

const CHILD_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };

/** Runs one file operation as the user (see UserFileOp); resolves with its result, never rejects. */
export function asUser(identity: Pick<Identity, 'uid' | 'gid' | 'groups'>, request: UserFileOp) {
  const [file, ...args] = asUserArgv(identity, process.execPath, CHILD_SCRIPT) as [string, ...string[]];
  return new Promise<UserFileResult>((resolve) => {
    const child = spawn(file, args, { env: CHILD_ENV, cwd: '/', stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.once('error', (e) => resolve({ ok: false, reason: `could not switch to your user: ${e.message}` }));
    child.once('close', (code) =>
      resolve(userFileResult(code, Buffer.concat(out).toString('utf8'), Buffer.concat(err).toString('utf8'))),
    );
    child.stdin.on('error', () => {});
    child.stdin.end(JSON.stringify(request));
  });
}
