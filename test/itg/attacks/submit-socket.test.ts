/**
 * The compiled bsub and the dispatcher's submit socket (scripts/submit-client.c,
 * lib/local/submit-server.ts): a plain bsub is served by the user's running dispatcher, with no
 * Node process, and says and exits what the Node bsub says and exits; what it does not serve goes
 * to the Node bsub with its stdin intact. The attacks: another user reaching the socket, root (a
 * uid not the dispatcher's) sending a whole request, a listener of another user planted at the
 * socket's path through a symlink, a client that dies in the middle of its job script.
 * Outcomes are checked from outside: which processes ran (strace), which jobs exist (bjobs),
 * what the planted listener received, what the socket path is afterwards.
 */
import { existsSync, lstatSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { alive } from '../../../lib/local/context.js';
import { configKey, submitSocketPath } from '../../../lib/local/submit-socket.js';
import {
  attackConfig,
  attackerScript,
  cleanupAttacks,
  giveTo,
  prepareAttacks,
  rootScratch,
  waitFor,
} from '../helpers/attack.js';
import { program } from '../helpers/paths.js';
import { type RunResult, runAs, spawnAs } from '../helpers/run-as.js';
import { TEST_USER, TEST_USER2, userInfo } from '../helpers/users.js';
import { cleanupWorkspace, localLsfStateDir, userDir } from '../helpers/workspace.js';

const user = userInfo(TEST_USER);
let stateDir: string;
let config: string;
let work: string;
let socket: string;
let raw: string;

/** A client speaking the socket's protocol by hand: node RAW SOCKET full|partial CWD; prints what came back. */
const RAW_CLIENT = `
const net = require('net');
const [sock, mode, cwd] = process.argv.slice(2);
const frame = (t, d = Buffer.alloc(0)) => {
  const h = Buffer.alloc(5); h.write(t, 0, 'latin1'); h.writeUInt32BE(d.length, 1); return Buffer.concat([h, d]);
};
const words = mode === 'full' ? ['3', '-J', 'raw-full', 'true'] : ['2', '-J', 'raw-partial'];
const fields = ['LSFD-SUBMIT 1', '0', cwd, ...words, 'PATH=/usr/bin:/bin', 'HOME=' + process.env.HOME];
const got = [];
const c = net.connect(sock, () => c.write(frame('R', Buffer.from(fields.map((f) => f + '\\0').join('')))));
c.on('data', (d) => {
  got.push(d.toString('latin1', 0, 1));
  if (mode === 'partial') { c.write(frame('i', Buffer.from('#!/bin/sh\\necho half'))); c.destroy(); }
});
c.on('error', (e) => { console.log('error ' + e.code); process.exit(0); });
c.on('close', () => { console.log('closed ' + got.join('')); process.exit(0); });
`;

/** A listener of another user: records how many connections and bytes it got. node PLANT SOCKET OUT */
const PLANTED = `
const net = require('net'); const fs = require('fs');
const [sock, out] = process.argv.slice(2);
const seen = { conns: 0, bytes: 0 };
const note = () => fs.writeFileSync(out, JSON.stringify(seen));
net.createServer((c) => { seen.conns++; note(); c.on('data', (d) => { seen.bytes += d.length; note(); }); c.on('error', () => {}); })
  .listen(sock, () => { fs.chmodSync(sock, 0o777); note(); });
setTimeout(() => process.exit(0), 60000);
`;

beforeAll(async () => {
  stateDir = await localLsfStateDir('submit-socket');
  await prepareAttacks();
  config = await attackConfig(
    `[paths]\njob_tmp_root = ${stateDir}/jobtmp\n[local]\nstate_dir = ${stateDir}/host\nslots = 2\ndispatcher_idle = 60\n`,
  );
  work = await userDir(TEST_USER, 'submit-socket');
  socket = submitSocketPath(user.home, configKey(config));
  raw = await attackerScript('raw-client.cjs', RAW_CLIENT);
});

afterAll(async () => {
  await lsf(['bkill', '0']);
  stopDispatcher();
  await cleanupWorkspace();
  await cleanupAttacks();
  await rm(stateDir, { recursive: true, force: true });
});

const lsf = (args: string[], opts: { env?: Record<string, string>; input?: string } = {}) =>
  runAs(TEST_USER, [program('lsf-docker'), '--config', config, ...args], { cwd: work, ...opts });

/** bsub ARGS under strace: the result and whether a Node process ran. */
async function tracedBsub(args: string[], opts: { env?: Record<string, string>; input?: string } = {}) {
  const trace = path.join(work, `trace.${Date.now()}`);
  const r = await runAs(
    TEST_USER,
    [
      'strace',
      '-f',
      '-qq',
      '-e',
      'trace=execve',
      '-o',
      trace,
      program('lsf-docker'),
      '--config',
      config,
      'bsub',
      ...args,
    ],
    { cwd: work, ...opts },
  );
  const ranNode = /execve\("[^"]*\/node"/.test(readFileSync(trace, 'utf8'));
  rmSync(trace, { force: true });
  return { r, ranNode };
}

const jobNames = async () => (await lsf(['bjobs', '-a', '-noheader', '-o', 'name'])).stdout.split('\n');
const normalized = (r: RunResult) => ({
  exitCode: r.exitCode,
  stdout: r.stdout.replace(/Job <\d+>/g, 'Job <N>'),
  stderr: r.stderr.replace(/Job <\d+>/g, 'Job <N>'),
});

function dispatcherPid(): number | undefined {
  try {
    return Number(readFileSync(path.join(stateDir, 'host', `user.${user.uid}`, 'dispatcher.pid'), 'utf8'));
  } catch {
    return undefined;
  }
}

function stopDispatcher(): void {
  const pid = dispatcherPid();
  try {
    if (pid) process.kill(pid, 'SIGTERM');
  } catch {
    // gone
  }
}

const socketReady = () => waitFor('the submit socket', async () => (existsSync(socket) ? true : undefined));

describe('served by the dispatcher', () => {
  test('a plain bsub runs no Node process once the dispatcher listens', async () => {
    expect((await lsf(['bsub', '-J', 'first', 'true'])).exitCode).toBe(0);
    await socketReady();
    expect(lstatSync(socket).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(socket)).mode & 0o777).toBe(0o700);
    const { r, ranNode } = await tracedBsub(['-J', 'served', 'true']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Job <\d+> is submitted to default queue <normal>\.$/m);
    expect(ranNode).toBe(false);
    expect(await jobNames()).toContain('served');
  });

  test.each([
    ['a job', ['-J', 'same', 'echo', 'hi'], {}],
    ['an unknown option', ['-Q', 'true'], {}],
    ['a misspelled variable', ['-J', 'warn', 'true'], { LSF_DOCKER_VOLUME: '/a:/a' }],
    ['a comma-separated volume list', ['-J', 'comma', 'true'], { LSF_DOCKER_VOLUMES: '/a:/a,/b:/b' }],
    ['a bad -M', ['-M', 'lots', 'true'], {}],
    ['a bad image', ['-a', 'docker(NOT A NAME)', 'true'], {}],
  ])('%s: the same words and status as the Node bsub', async (_what, args, env) => {
    const served = await tracedBsub(args, { env });
    const viaNode = await lsf(['bsub', ...args], { env: { ...env, LSFD_SUBMIT: 'node' } });
    expect(served.ranNode).toBe(false);
    expect(normalized(served.r)).toEqual(normalized(viaNode));
  });

  test('a #BSUB script on stdin: served, its directives applied', async () => {
    const { r, ranNode } = await tracedBsub([], { input: '#!/bin/sh\n#BSUB -J from-stdin\necho x\n' });
    expect(r.exitCode).toBe(0);
    expect(ranNode).toBe(false);
    expect(await jobNames()).toContain('from-stdin');
  });

  test('-K in a script on stdin goes to the Node bsub, which still reads the whole script', async () => {
    const script = '#!/bin/sh\n#BSUB -J waited\n#BSUB -K\necho waited-output\n';
    const { r, ranNode } = await tracedBsub([], { input: script });
    expect(ranNode).toBe(true);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Job <\d+> is submitted/m);
    expect(await jobNames()).toContain('waited');
  });
});

describe('attacks on the submit socket', () => {
  test('another user cannot reach it (the dir is 0700)', async () => {
    await socketReady();
    const r = await runAs(TEST_USER2, ['node', raw, socket, 'full', work]);
    expect(r.stdout.trim()).toBe('error EACCES');
    expect(await jobNames()).not.toContain('raw-full');
  });

  test('a uid other than the dispatcher’s (root here) gets no answer and submits nothing', async () => {
    await socketReady();
    const r = await runAs('root', ['node', raw, socket, 'full', work], { env: { HOME: '/root' } });
    expect(r.stdout.trim()).toMatch(/^(closed|error EPIPE|error ECONNRESET)$/); // no frame came back
    expect(await jobNames()).not.toContain('raw-full');
    const log = readFileSync(path.join(stateDir, 'host', `user.${user.uid}`, 'dispatcher.log'), 'utf8');
    expect(log).toMatch(/submit socket: refused a connection of uid 0 /);
  });

  test('a client that dies in the middle of its job script submits nothing', async () => {
    await socketReady();
    const r = await runAs(TEST_USER, ['node', raw, socket, 'partial', work]);
    expect(r.stdout.trim()).toBe('closed i');
    expect(await jobNames()).not.toContain('raw-partial');
  });

  test('a listener of another user planted through a symlink gets nothing; the bsub goes through', async () => {
    await socketReady();
    const lair = await rootScratch('lair', 0o755);
    giveTo(TEST_USER2, lair);
    const planted = path.join(lair, 'planted.sock');
    const seen = path.join(lair, 'seen.json');
    const listener = spawnAs(TEST_USER2, [
      'node',
      await attackerScript('planted.cjs', PLANTED),
      planted,
      seen,
    ]);
    await waitFor('the planted listener', async () => (existsSync(seen) ? true : undefined));
    unlinkSync(socket); // the attacker's way in: the path names their socket now
    symlinkSync(planted, socket);
    const { r, ranNode } = await tracedBsub(['-J', 'past-the-plant', 'true']);
    expect(r.exitCode).toBe(0);
    expect(ranNode).toBe(true); // the client refused the listener and ran the Node bsub
    expect(await jobNames()).toContain('past-the-plant');
    expect(JSON.parse(readFileSync(seen, 'utf8'))).toEqual({ conns: 1, bytes: 0 });
    // The next dispatcher replaces the symlink with its own socket, never binding through it.
    const old = dispatcherPid();
    stopDispatcher();
    await waitFor('the dispatcher to leave', async () => (old && alive(old) ? undefined : true));
    expect((await lsf(['bsub', '-J', 'restart', 'true'], { env: { LSFD_SUBMIT: 'node' } })).exitCode).toBe(0);
    await waitFor('a socket of the user at the path', async () => {
      const st = lstatSync(socket, { throwIfNoEntry: false });
      return st?.isSocket() && st.uid === user.uid ? true : undefined;
    });
    expect(lstatSync(planted).isSocket()).toBe(true); // the attacker's socket untouched
    listener.kill('SIGKILL');
    await listener.result;
    const after = await tracedBsub(['-J', 'served-again', 'true']);
    expect(after.r.exitCode).toBe(0);
    expect(after.ranNode).toBe(false);
  });

  test('a dispatcher killed with SIGKILL leaves its socket: the next bsub still goes through, and the next dispatcher serves', async () => {
    expect((await lsf(['bsub', '-J', 'before-kill', 'true'])).exitCode).toBe(0);
    await socketReady();
    const pid = dispatcherPid()!;
    process.kill(pid, 'SIGKILL');
    await waitFor('the dispatcher to die', async () => (alive(pid) ? undefined : true));
    expect(lstatSync(socket).isSocket()).toBe(true); // left behind: nobody listens on it
    // Not under strace: this bsub starts the next dispatcher, which strace -f would wait for.
    const r = await lsf(['bsub', '-J', 'after-kill', 'true']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Job <\d+> is submitted/m);
    await waitFor('the next dispatcher', async () =>
      dispatcherPid() !== pid && alive(dispatcherPid()!) ? true : undefined,
    );
    await waitFor('its socket', async () => {
      const { ranNode: node } = await tracedBsub(['-J', 'served-by-next', 'true']);
      return node ? undefined : true;
    });
    expect(await jobNames()).toEqual(expect.arrayContaining(['after-kill', 'served-by-next']));
  });
});
