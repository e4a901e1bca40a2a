/**
 * The Slurm client edge against stand-in programs in a bin_dir: the argv, the minimal
 * environment, the script on stdin and the job environment on fd 3, the conf checked first, a
 * timeout, and every failure as one SCHEDULER_FAILED (229) line naming the command.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ExitCode } from '../../../lib/kernel/exit-codes.js';
import { defaultPartitionOf, lastErrorLine, SlurmClient } from '../../../lib/scheduler/slurm/client.js';

let bin: string;
let conf: string;
const program = (name: string, body: string) => {
  writeFileSync(`${bin}/${name}`, `#!/bin/sh\n${body}\n`);
  chmodSync(`${bin}/${name}`, 0o755);
};

beforeAll(() => {
  bin = mkdtempSync(`${tmpdir()}/lsfd-slurm-bin-`);
  conf = `${bin}/slurm.conf`;
  writeFileSync(conf, 'ClusterName=t\n');
  program(
    'sbatch',
    `printf '%s\\n' "$@" > "${bin}/sbatch.argv"; env > "${bin}/sbatch.env"; cat > "${bin}/sbatch.stdin"; cat <&3 > "${bin}/sbatch.fd3"; echo 42`,
  );
  program(
    'squeue',
    `printf '%s\\n' "$@" > "${bin}/squeue.argv"; echo '{"meta":{"Slurm":{"release":"22.05.8"}},"errors":[],"jobs":[{"job_id":9,"array_job_id":0,"array_task_id":null,"name":"j","user_name":"u","user_id":4201,"job_state":"RUNNING","partition":"debug","nodes":"n1","exit_code":0}]}'`,
  );
  program(
    'scancel',
    `echo "scancel: error: Kill job error on job id $1: Access/permission denied" >&2; exit 1`,
  );
  program(
    'scontrol',
    'echo "PartitionName=long Default=NO Nodes=n1"; echo "PartitionName=debug AllowGroups=ALL Default=YES QoS=N/A"',
  );
  program('srun', 'sleep 5');
});
afterAll(() => rmSync(bin, { recursive: true, force: true }));

const client = (over: Partial<ConstructorParameters<typeof SlurmClient>[0]> = {}) =>
  new SlurmClient({
    conf,
    binDir: bin,
    timeoutSeconds: 10,
    env: { PATH: '/usr/bin:/bin', HOME: '/home/u', SBATCH_PARTITION: 'x', SLURM_JOB_ID: '1' },
    ...over,
  });

describe('SlurmClient', () => {
  test('sbatch: argv as given, script on stdin, the environment on fd 3, the job id', async () => {
    const id = await client().sbatch(
      [`${bin}/sbatch`, '--parsable', '--export-file=3'],
      '#!/bin/sh\nexec x\n',
      'A=1\0B=two\nlines\0',
    );
    expect(id).toBe(42);
    expect(readFileSync(`${bin}/sbatch.argv`, 'utf8')).toBe('--parsable\n--export-file=3\n');
    expect(readFileSync(`${bin}/sbatch.stdin`, 'utf8')).toBe('#!/bin/sh\nexec x\n');
    expect(readFileSync(`${bin}/sbatch.fd3`, 'utf8')).toBe('A=1\0B=two\nlines\0');
    const env = readFileSync(`${bin}/sbatch.env`, 'utf8');
    expect(env).toContain(`SLURM_CONF=${conf}`);
    expect(env).toContain('HOME=/home/u');
    expect(env).not.toMatch(/SBATCH_PARTITION|SLURM_JOB_ID/);
  });

  test('squeue --json --states=all, parsed', async () => {
    const parsed = await client().squeue();
    expect(parsed.records.map((r) => [r.slurmId, r.state])).toEqual([[9, 'RUN']]);
    expect(readFileSync(`${bin}/squeue.argv`, 'utf8')).toBe('--json\n--states=all\n');
  });

  test('the default partition from scontrol show partition', async () => {
    expect(await client().defaultPartition()).toBe('debug');
    expect(defaultPartitionOf('PartitionName=a Default=NO\n')).toBeUndefined();
  });

  test("a failing command: one line naming it, Slurm's own words, 229", async () => {
    await expect(client().scancel(['9'])).rejects.toMatchObject({
      code: ExitCode.SCHEDULER_FAILED,
      message: 'scancel: Kill job error on job id 9: Access/permission denied (exit 1)',
    });
    expect(
      lastErrorLine('sbatch: error: Batch job submission failed: Invalid partition name specified\n'),
    ).toBe('Batch job submission failed: Invalid partition name specified');
  });

  test('a missing conf fails at once (Slurm would retry for a minute), before any program runs', async () => {
    const t0 = Date.now();
    await expect(client({ conf: `${bin}/absent.conf` }).squeue()).rejects.toMatchObject({
      code: ExitCode.SCHEDULER_FAILED,
      message: `[slurm] conf: ${bin}/absent.conf does not exist: the Slurm cluster cannot be reached`,
    });
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  test('a command that does not answer in time is killed: 229', async () => {
    await expect(client({ timeoutSeconds: 0.3 }).run([`${bin}/srun`])).rejects.toMatchObject({
      code: ExitCode.SCHEDULER_FAILED,
      message: 'srun: no answer within 0.3s: the Slurm cluster cannot be reached',
    });
  });

  test('a program that is not there: 229 naming it and [slurm] bin_dir', async () => {
    await expect(client({ binDir: `${bin}/nowhere` }).squeue()).rejects.toMatchObject({
      code: ExitCode.SCHEDULER_FAILED,
      message: expect.stringMatching(/^squeue: cannot run squeue: .*ENOENT.*\[slurm\] bin_dir/),
    });
  });
});
