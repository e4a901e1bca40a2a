/**
 * The native addon (scripts/native-addon.c) built for a test file as the install step builds it,
 * when this host has a C compiler and Node's headers: `suite` is describe or describe.skip.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe } from '@jest/globals';
import type { Native } from '../../../lib/host/native.js';

const HEADERS = path.join(path.dirname(path.dirname(process.execPath)), 'include/node/node_api.h');
const cc = ['cc', 'gcc'].find((c) => spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0);

/** Whether the addon can be built here. */
export const canBuild = cc !== undefined && existsSync(HEADERS);
export const suite = canBuild ? describe : describe.skip;

/** Builds the addon into a new directory; call remove() when done. */
export function buildAddon(): { addon: Native; dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'lsfd-native-'));
  execFileSync(cc!, [
    '-O2',
    '-shared',
    '-fPIC',
    `-I${path.dirname(HEADERS)}`,
    '-o',
    `${dir}/lsfd-native.node`,
    path.resolve('scripts/native-addon.c'),
  ]);
  const addon = createRequire(import.meta.url)(`${dir}/lsfd-native.node`) as Native;
  return { addon, dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
