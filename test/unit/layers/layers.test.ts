/**
 * The layer check (`npm run check:layers`, .dependency-cruiser.cjs) passes on a tree whose imports
 * point down and fails, naming the rule, on each kind of planted violation. The tree is written
 * into a temp dir laid out like the repo (lib/<layer>/...) and the real depcruise CLI runs there
 * with the real config, exactly as the npm script runs it.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const depcruise = join(repo, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const config = join(repo, '.dependency-cruiser.cjs');

/** A clean tree: every import points to a layer below (or the same layer). */
const CLEAN: Record<string, string> = {
  'lib/kernel/exit-codes.ts': 'export const OK = 0;\n',
  'lib/host/probe.ts': "import { OK } from '../kernel/exit-codes.js';\nexport const probe = OK;\n",
  'lib/job/run-job.ts': "import { probe } from '../host/probe.js';\nexport const runJob = () => probe;\n",
  'lib/run/service.ts': "import { runJob } from '../job/run-job.js';\nexport const run = runJob;\n",
  'lib/build/service.ts': "import { OK } from '../kernel/exit-codes.js';\nexport const build = () => OK;\n",
  'lib/programs/docker_run.ts': "import { run } from '../run/service.js';\nexport const main = run;\n",
  'lib/bin/docker_run.ts': "import { main } from '../programs/docker_run.js';\nmain();\n",
};

/** One planted file per rule; each line of depcruise's output names the rule it broke. */
const PLANTED: Array<[rule: string, file: string, text: string]> = [
  ['no-upward-from-kernel', 'lib/kernel/__planted__.ts', "import '../job/run-job.js';\n"],
  ['no-service-to-service-from-run', 'lib/run/__planted__.ts', "import '../build/service.js';\n"],
  ['thin-programs', 'lib/programs/__planted__.ts', "import '../job/run-job.js';\n"],
  ['thin-launchers', 'lib/bin/__planted__.ts', "import '../run/service.js';\n"],
  ['no-circular', 'lib/host/__planted_a__.ts', "import './__planted_b__.js';\nexport const a = 1;\n"],
];
const CYCLE_PARTNER = { 'lib/host/__planted_b__.ts': "import './__planted_a__.js';\nexport const b = 2;\n" };

function writeTree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'lsfd-layers-'));
  const tsconfig = {
    compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' },
    include: ['lib'],
  };
  writeFileSync(join(root, 'tsconfig.json'), JSON.stringify(tsconfig));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

function checkLayers(root: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [depcruise, 'lib', '--config', config, '--output-type', 'err'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('layer check (dependency-cruiser)', () => {
  const roots: string[] = [];
  afterAll(() => {
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  test('passes on a tree whose imports point down', () => {
    const root = writeTree(CLEAN);
    roots.push(root);
    const { status, output } = checkLayers(root);
    expect(output).toMatch(/no dependency violations found/);
    expect(status).toBe(0);
  });

  describe('fails on planted violations, naming the rule', () => {
    const planted = Object.fromEntries(PLANTED.map(([, file, text]) => [file, text]));
    let result: { status: number | null; output: string };
    beforeAll(() => {
      const root = writeTree({ ...CLEAN, ...planted, ...CYCLE_PARTNER });
      roots.push(root);
      result = checkLayers(root);
    });

    test('exits non-zero', () => {
      expect(result.status).not.toBe(0);
    });

    test.each(PLANTED)('%s: %s', (rule, file) => {
      const line = result.output.split('\n').find((l) => l.includes(`error ${rule}:`) && l.includes(file));
      expect(line).toBeDefined();
    });

    test('no violation is reported for the clean files', () => {
      const errors = result.output.split('\n').filter((l) => /^\s*error /.test(l));
      for (const line of errors) expect(line).toMatch(/__planted/);
    });
  });
});
