import { spawnSync } from 'node:child_process';
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import {
  type BsubLikeRequest,
  exportEnvironment,
  parseArrayName,
  parseSbatchParsable,
  planSubmission,
  renderExportFile,
  type SubmitOptions,
  type SubmitPlan,
  sbatchProcessEnv,
  slurmOutputPath,
} from '../../../../lib/scheduler/slurm/submit.js';

const STARTER: SubmitOptions = { starter: { path: '/opt/lsfd/bin/docker_run', config: '/etc/lsfd.conf' } };

const batch = (req: Partial<BsubLikeRequest>, opts: SubmitOptions = STARTER) => {
  const p = planSubmission({ command: ['true'], ...req }, opts);
  if (p.kind !== 'batch') throw new Error(`not a batch plan: ${JSON.stringify(p)}`);
  return p;
};
const refused = (req: Partial<BsubLikeRequest>, opts: SubmitOptions = STARTER) => {
  const p = planSubmission({ command: ['true'], ...req }, opts);
  if (p.kind !== 'refused') throw new Error(`not refused: ${JSON.stringify(p)}`);
  return p;
};
/** sbatch's options without the fixed ones every plan has. */
const options = (p: Extract<SubmitPlan, { kind: 'batch' }>) =>
  p.sbatchArgv.slice(2).filter((w) => w !== '--no-requeue' && w !== '--export-file=3');

/** The argv the script's exec lines would run (exec replaced by a printer), for SLURM_JOB_NUM_NODES. */
function scriptExec(script: string, nodes: string): string[] {
  const r = spawnSync(
    '/bin/sh',
    [
      '-c',
      `printargs() { printf '%s\\0' "$@"; exit 0; }\nalias exec=printargs\n${script.split('\n').slice(1).join('\n')}`,
    ],
    {
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/bin', SLURM_JOB_NUM_NODES: nodes },
    },
  );
  expect(r.status).toBe(0);
  return r.stdout.split('\0').slice(0, -1);
}

describe('planSubmission: sbatch argv', () => {
  test('the fixed options: --parsable first, --no-requeue, the environment on fd 3', () => {
    const p = batch({ command: ['hostname;', 'id'] });
    expect(p.sbatchArgv).toEqual([
      'sbatch',
      '--parsable',
      '--job-name=hostname; id',
      '--ntasks=1',
      '--no-requeue',
      '--export-file=3',
    ]);
    expect(p.name).toBe('hostname; id');
    expect(p.exportVariables).toEqual({ LSB_JOBNAME: 'hostname; id' });
  });

  test.each<[Partial<BsubLikeRequest>, string[]]>([
    [{ jobName: 'a[1-3]' }, ['--job-name=a', '--ntasks=1', '--array=1-3']],
    [{ jobName: 'a[1-10:2,15]%2' }, ['--job-name=a', '--ntasks=1', '--array=1-10:2,15%2']],
    [{ jobName: 'plain' }, ['--job-name=plain', '--ntasks=1']],
    [{ slots: 4 }, ['--job-name=true', '--ntasks=4']],
    [{ memLimit: '307200' }, ['--job-name=true', '--ntasks=1', '--mem=300M']],
    [{ memLimit: '4G' }, ['--job-name=true', '--ntasks=1', '--mem=4096M']],
    [{ memLimit: '100' }, ['--job-name=true', '--ntasks=1', '--mem=1M']],
    [{ resReq: ['rusage[mem=512]'] }, ['--job-name=true', '--ntasks=1', '--mem=512M']],
    [{ resReq: ['rusage[mem=512]'], memLimit: '1G' }, ['--job-name=true', '--ntasks=1', '--mem=1024M']],
    [{ slots: 4, resReq: ['span[hosts=1]'] }, ['--job-name=true', '--ntasks=4', '--nodes=1']],
    [
      { slots: 4, resReq: ['select[type==any] span[ptile=2] order[r15s]'] },
      ['--job-name=true', '--ntasks=4', '--ntasks-per-node=2'],
    ],
    [{ gpu: 'num=2' }, ['--job-name=true', '--ntasks=1', '--gres=gpu:2']],
    [{ gpu: '-' }, ['--job-name=true', '--ntasks=1', '--gres=gpu:1']],
    [{ queue: 'long' }, ['--job-name=true', '--ntasks=1', '--partition=long']],
    [{ wait: true }, ['--job-name=true', '--ntasks=1', '--wait']],
    [{ cwd: '/home/u/w' }, ['--job-name=true', '--ntasks=1', '--chdir=/home/u/w']],
    [
      { output: { path: 'out.%J', overwrite: false } },
      ['--job-name=true', '--ntasks=1', '--output=out.%j', '--open-mode=append'],
    ],
    [
      {
        jobName: 'a[1-3]',
        output: { path: 'out.%J_%I', overwrite: true },
        error: { path: 'err.%J_%I', overwrite: true },
      },
      [
        '--job-name=a',
        '--ntasks=1',
        '--array=1-3',
        '--output=out.%A_%a',
        '--error=err.%A_%a',
        '--open-mode=truncate',
      ],
    ],
  ])('%j', (req, expected) => {
    expect(options(batch(req))).toEqual(expected);
  });

  test('the default partition and the default output', () => {
    const p = batch({}, { ...STARTER, defaultPartition: 'debug', defaultOutput: '/spool/%u/%j.out' });
    expect(options(p)).toEqual([
      '--job-name=true',
      '--ntasks=1',
      '--partition=debug',
      '--output=/spool/%u/%j.out',
    ]);
    expect(p.partition).toBe('debug');
    expect(options(batch({ queue: 'long' }, { ...STARTER, defaultPartition: 'debug' }))).toContain(
      '--partition=long',
    );
  });

  test('array indexes are returned; a name-less array is named after the command', () => {
    const p = batch({ jobName: '[1-5:2]', command: ['echo', 'x'] });
    expect(p.indexes).toEqual([1, 3, 5]);
    expect(p.name).toBe('echo x');
  });

  test('a hostile job name is one argv word, never in the script', () => {
    const name = 'a|b\nc $(id) \'"';
    const p = batch({ jobName: name });
    expect(p.sbatchArgv).toContain(`--job-name=${name}`);
    expect(p.script).not.toContain('$(id)');
  });
});

describe('planSubmission: refusals name the option', () => {
  test.each<[Partial<BsubLikeRequest>, string]>([
    [{ command: [] }, 'COMMAND'],
    [{ command: ['  '] }, 'COMMAND'],
    [{ command: ['a\0b'] }, 'COMMAND'],
    [{ slots: 0 }, '-n 0'],
    [{ jobName: 'a[1-3' }, '-J "a[1-3"'],
    [{ jobName: 'a[0-3]' }, '-J "a[0-3]"'],
    [{ jobName: 'a[1-2000]' }, '-J "a[1-2000]"'],
    [{ jobName: 'a[1-3]%0' }, '-J "a[1-3]%0"'],
    [{ memLimit: 'lots' }, '-M "lots"'],
    [{ gpu: 'num=1:mode=shared' }, '-gpu "num=1:mode=shared"'],
    [{ gpu: 'num=0' }, '-gpu "num=0"'],
    [{ queue: 'a b' }, '-q "a b"'],
    [{ resReq: ['select[port5000=1]'] }, '-R "select[port5000=1]"'],
    [{ resReq: ['rusage[ngpus=1]'] }, '-R "rusage[ngpus=1]"'],
    [{ resReq: ['affinity[core(1)]'] }, '-R "affinity[core(1)]"'],
    [{ resReq: ['mem>100'] }, '-R "mem>100"'],
    [{ resReq: ['span[hosts=1] span[ptile=2]'] }, '-R span[...]'],
    [{ output: { path: 'a\\b', overwrite: false } }, '-o "a\\b"'],
    [{ output: { path: '', overwrite: false } }, '-o'],
    [{ output: { path: 'o', overwrite: true }, error: { path: 'e', overwrite: false } }, '-oo'],
    [{ output: { path: 'o', overwrite: false }, error: { path: 'e', overwrite: true } }, '-eo'],
    [{ cwd: 'rel' }, '-cwd "rel"'],
    [{ interactive: 'I', jobName: 'a[1-2]' }, '-J "a[1-2]"'],
    [{ interactive: 'Is', slots: 2 }, '-n 2'],
  ])('%j -> %s', (req, option) => {
    const r = refused(req);
    expect(r.option).toBe(option);
    expect(r.message).toMatch(/^bsub /);
    expect(r.message).toMatch(/Job not submitted\.$/);
    expect(r.message).not.toContain('\n');
  });

  test('a bad [slurm] partition is named as the config key', () => {
    expect(refused({}, { ...STARTER, defaultPartition: 'x;y' }).option).toBe('[slurm] partition');
  });
});

describe('output paths (LSF %J %I -> Slurm)', () => {
  test.each([
    ['out.%J', false, 'out.%j'],
    ['out.%J_%I', false, 'out.%j_0'],
    ['out.%J_%I', true, 'out.%A_%a'],
    ['100%-%u-%x.out', false, '100%%-%%u-%%x.out'],
    ['%%J', false, '%%%j'],
    ['logs/', false, 'logs/%j.out'],
    ['logs/', true, 'logs/%A_%a.out'],
    ['/abs/o', false, '/abs/o'],
  ])('%j (array %j) -> %j', (path, array, expected) => {
    expect(slurmOutputPath('-o', path, array, 'out')).toBe(expected);
  });
});

describe('the batch script', () => {
  test('execs the starter with the command words, quoted', () => {
    const p = batch({ command: ['echo', "it's", '$(id)'] });
    expect(p.script).toBe(
      [
        '#!/bin/sh',
        '# lsf-docker: bsub on Slurm. exec keeps the job starter the job main process (Slurm signals it).',
        `exec '/opt/lsfd/bin/docker_run' '--config' '/etc/lsfd.conf' '--' 'echo' 'it'\\''s' '$(id)'`,
        '',
      ].join('\n'),
    );
    expect(scriptExec(p.script, '1')).toEqual([
      '/opt/lsfd/bin/docker_run',
      '--config',
      '/etc/lsfd.conf',
      '--',
      'echo',
      "it's",
      '$(id)',
    ]);
  });

  test('a plain job (no starter) runs the command line with /bin/sh -c', () => {
    const p = batch({ command: ['echo', 'a;', 'exit', '3'] }, {});
    expect(scriptExec(p.script, '1')).toEqual(['/bin/sh', '-c', 'echo a; exit 3']);
  });

  test('-n over several nodes: srun with one starter per node; span[hosts=1]: never srun', () => {
    const p = batch({ slots: 4, command: ['hostname'] }, { ...STARTER, srun: '/usr/bin/srun' });
    expect(scriptExec(p.script, '2')).toEqual([
      '/usr/bin/srun',
      '--whole',
      '--ntasks-per-node=1',
      '--kill-on-bad-exit=1',
      '--nodes=2',
      '--ntasks=2',
      '--',
      '/opt/lsfd/bin/docker_run',
      '--config',
      '/etc/lsfd.conf',
      '--',
      'hostname',
    ]);
    expect(scriptExec(p.script, '1')).toEqual([
      '/opt/lsfd/bin/docker_run',
      '--config',
      '/etc/lsfd.conf',
      '--',
      'hostname',
    ]);
    expect(batch({ slots: 4, resReq: ['span[hosts=1]'] }).script).not.toContain('srun');
    expect(batch({ slots: 1 }).script).not.toContain('srun');
  });

  test('hostile commands: sh gets the words back, no \\r\\n, no #SBATCH before the first command', () => {
    fc.assert(
      fc.property(
        fc
          .array(
            fc.oneof(
              fc.string({ unit: 'grapheme' }),
              fc.constantFrom('\n#SBATCH --uid=0\n', '\r\n', "'", '"$(id)"', '`id`', '\\', '; exit 0'),
            ),
            { minLength: 1, maxLength: 4 },
          )
          .filter((ws) => ws.join(' ').trim() !== '' && ws.every((w) => !w.includes('\0'))),
        (words) => {
          const p = batch({ command: words });
          expect(p.script).not.toContain('\r\n');
          const lines = p.script.split('\n');
          const firstCommand = lines.findIndex((l) => l !== '' && !l.startsWith('#'));
          expect(lines.slice(0, firstCommand).some((l) => l.startsWith('#SBATCH'))).toBe(false);
          expect(scriptExec(p.script, '1')).toEqual([
            '/opt/lsfd/bin/docker_run',
            '--config',
            '/etc/lsfd.conf',
            '--',
            ...words,
          ]);
        },
      ),
      { numRuns: 80 },
    );
  });
});

describe('interactive: srun', () => {
  test.each<['I' | 'Ip' | 'Is', string[]]>([
    ['I', []],
    ['Ip', ['--pty']],
    ['Is', ['--pty']],
  ])('-%s', (mode, pty) => {
    const p = planSubmission({ command: ['sh'], interactive: mode, queue: 'debug', memLimit: '1G' }, STARTER);
    expect(p).toEqual({
      kind: 'interactive',
      srunArgv: [
        'srun',
        '--job-name=sh',
        '--ntasks=1',
        '--partition=debug',
        '--mem=1024M',
        '--export=ALL',
        ...pty,
        '--',
        '/opt/lsfd/bin/docker_run',
        '--config',
        '/etc/lsfd.conf',
        '--',
        'sh',
      ],
      partition: 'debug',
      name: 'sh',
    });
  });
});

describe('environments', () => {
  test("the exported job environment has none of Slurm's input or job variables", () => {
    expect(
      exportEnvironment({
        A: '1',
        SLURM_JOB_GPUS: '0,1',
        SBATCH_PARTITION: 'x',
        SRUN_CPUS_PER_TASK: '4',
        SALLOC_X: '1',
        SLURMD_NODENAME: 'n1',
        SLURM_CONF: '/etc/other.conf',
        LSB_JOBID: '5',
        U: undefined,
      }),
    ).toEqual({ A: '1', LSB_JOBID: '5' });
  });

  test('--export-file format: NAME=value NUL, special characters intact', () => {
    expect(renderExportFile({ A: '1', B: 'two words', C: 'line1\nline2', D: "q'uote$(id)" })).toBe(
      "A=1\0B=two words\0C=line1\nline2\0D=q'uote$(id)\0",
    );
    expect(() => renderExportFile({ 'A=B': '1' })).toThrow(RangeError);
    expect(() => renderExportFile({ A: 'x\0y' })).toThrow(RangeError);
  });

  test('round trip: every variable comes back from the NUL-separated text', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,12}$/),
          fc.string({ unit: 'grapheme' }).filter((v) => !v.includes('\0')),
        ),
        (env) => {
          const text = renderExportFile(env);
          const back = Object.fromEntries(
            text
              .split('\0')
              .slice(0, -1)
              .map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
          );
          expect(back).toEqual(env);
        },
      ),
    );
  });

  test('sbatch runs with a minimal environment and SLURM_CONF', () => {
    expect(
      sbatchProcessEnv(
        { PATH: '/bin', SBATCH_ARRAY_INX: '1-99', SLURM_CONF: '/x', LANG: 'C.UTF-8', SECRET: 's' },
        '/etc/slurm.conf',
      ),
    ).toEqual({ SLURM_CONF: '/etc/slurm.conf', PATH: '/bin', LANG: 'C.UTF-8' });
    expect(sbatchProcessEnv({}, '/c').PATH).toBe('/usr/local/bin:/usr/bin:/bin');
  });
});

describe('small parsers', () => {
  test.each([
    ['52\n', { jobId: 52, cluster: undefined }],
    ['52;lsfd\n', { jobId: 52, cluster: 'lsfd' }],
    ['Submitted batch job 52\n', undefined],
    ['', undefined],
  ])('sbatch --parsable %j', (text, expected) => {
    expect(parseSbatchParsable(text)).toEqual(expected);
  });

  test('array names', () => {
    expect(parseArrayName('a[1-3,5]%2')).toEqual({ name: 'a', array: '1-3,5%2', indexes: [1, 2, 3, 5] });
    expect(parseArrayName('x[ 1 - 3 ]'.replace(/ /g, ''))).toEqual({
      name: 'x',
      array: '1-3',
      indexes: [1, 2, 3],
    });
    expect(parseArrayName('a[1-10:3]', 10)).toEqual({ name: 'a', array: '1-10:3', indexes: [1, 4, 7, 10] });
    expect(parseArrayName('b')).toEqual({ name: 'b' });
  });
});
