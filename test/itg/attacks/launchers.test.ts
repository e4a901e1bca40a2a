/**
 * Attack class (g), the launchers: bin/* start with `#!/usr/bin/env node`, so the job's PATH
 * picks the interpreter, and NODE_OPTIONS (and the other NODE_* variables) from the job's
 * environment change what it loads. A job whose PATH starts with a directory holding another
 * `node` (a conda or module environment does that), or which exports NODE_OPTIONS=--require
 * FILE, must not change the program that runs: neither the other node nor FILE may ever run.
 *
 * Run as the user directly (the `direct` job starter: the docker group mode, or the local LSF
 * without the sudo rule), and through the sudo rule.
 *
 * Result today (installed prefix, as lsfd-test):
 *   - direct, a fake `node` first on PATH     HOLE: it runs (and could be anything)
 *   - direct, NODE_OPTIONS=--require FILE     HOLE: FILE runs inside the program
 *   - through the sudo rule, both             stopped by the rule itself (env_reset drops
 *                                             NODE_OPTIONS, secure_path replaces PATH)
 * Where: bin/* (`#!/usr/bin/env node`) and scripts/install.sh, which copies them unchanged;
 * another helper is changing the launchers (install-time interpreter path, no NODE_* passed).
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { cleanupAttacks, giveTo, prepareAttacks, sudoArgv } from '../helpers/attack.js';
import { program } from '../helpers/paths.js';
import { DEFAULT_PATH, runAs } from '../helpers/run-as.js';
import { TEST_USER } from '../helpers/users.js';
import { cleanupWorkspace, userDir } from '../helpers/workspace.js';

let work: string;
let fakeBin: string;
let evil: string;
let marker: string;
const ran = () => (existsSync(marker) ? readFileSync(marker, 'utf8') : '');

beforeAll(async () => {
  await prepareAttacks();
  work = await userDir(TEST_USER, 'launchers');
  fakeBin = await userDir(TEST_USER, 'fakebin');
  marker = path.join(work, 'ran');
  const fakeNode = path.join(fakeBin, 'node');
  writeFileSync(fakeNode, `#!/bin/sh\necho "fake node $(id -u)" >> ${marker}\nexec /usr/bin/node "$@"\n`);
  chmodSync(fakeNode, 0o755);
  evil = path.join(work, 'evil.cjs');
  writeFileSync(
    evil,
    `require('fs').appendFileSync(${JSON.stringify(marker)}, 'NODE_OPTIONS file ' + process.getuid() + '\\n');\n`,
  );
  giveTo(TEST_USER, fakeNode, evil);
});
afterAll(async () => {
  await cleanupAttacks();
  await cleanupWorkspace();
});

const PROGRAMS = ['docker_run', 'docker_exec', 'docker_build', 'lsf-docker'] as const;

describe.each([
  ['directly as the user', (name: (typeof PROGRAMS)[number]) => [program(name), '--help']],
  // The rule lets lsf-docker run `sweep` only.
  [
    'through the sudo rule',
    (name: (typeof PROGRAMS)[number]) =>
      sudoArgv(name, name === 'lsf-docker' ? ['sweep', '--dry-run'] : ['--help']),
  ],
])('the job environment never chooses the interpreter, %s', (_how, argv) => {
  test.each(PROGRAMS)('%s: a fake node first on PATH never runs', async (name) => {
    writeFileSync(marker, '');
    giveTo(TEST_USER, marker);
    const r = await runAs(TEST_USER, argv(name), {
      cwd: work,
      env: { PATH: `${fakeBin}:${DEFAULT_PATH}` },
    });
    expect({ ran: ran() }).toEqual({ ran: '' });
    expect(r.exitCode).toBe(0);
  });

  test.each(PROGRAMS)('%s: NODE_OPTIONS=--require FILE never loads FILE', async (name) => {
    writeFileSync(marker, '');
    giveTo(TEST_USER, marker);
    const r = await runAs(TEST_USER, argv(name), {
      cwd: work,
      env: { NODE_OPTIONS: `--require ${evil}` },
    });
    expect({ ran: ran() }).toEqual({ ran: '' });
    expect(r.exitCode).toBe(0);
  });
});
