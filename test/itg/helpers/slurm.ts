/**
 * The test Slurm cluster of scripts/provision.sh (step slurm): three nodes n1..n3 on this host,
 * started and restored with scripts/slurm.sh (idempotent, well under a second when it runs).
 * The cluster is shared: a test that breaks it restores it (restoreCluster) before it ends.
 *
 *   await ensureCluster();                     // start what is not running, wait for 3 idle nodes
 *   await slurmAsRoot(['scontrol', 'update', 'NodeName=n2', 'State=DOWN', 'Reason=x']);
 *   slurmdPid('n2')                            // from its pid file
 *   await jobContainers(42)                    // names of the containers of Slurm job 42, any node
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { docker } from './docker.js';
import { REPO } from './paths.js';
import { DEFAULT_PATH } from './run-as.js';

export const SLURM_DIR = '/var/lib/lsf-docker-slurm';
export const SLURM_CONF = `${SLURM_DIR}/etc/slurm.conf`;
export const SLURM_NODES = ['n1', 'n2', 'n3'] as const;

/**
 * How the batch scripts start docker_run ([slurm] starter): sudo, the secure deployment (the test
 * users are outside the docker group); LSFD_ITG_SLURM_STARTER=direct for a docker-group host.
 */
export const SLURM_STARTER: 'direct' | 'sudo' =
  process.env['LSFD_ITG_SLURM_STARTER'] === 'direct' ? 'direct' : 'sudo';

/** The [scheduler] and [slurm] sections of a test config for the test cluster. */
export const slurmConfigText = (extra = '') =>
  `[scheduler]\nbackend = slurm\n[slurm]\nconf = ${SLURM_CONF}\nstarter = ${SLURM_STARTER}\npoll_interval = 0.2\n${extra}`;

async function slurmScript(args: string[]): Promise<void> {
  const r = await execa('bash', [path.join(REPO, 'scripts', 'slurm.sh'), ...args], {
    env: { PATH: DEFAULT_PATH, HOME: '/root' },
    extendEnv: false,
    reject: false,
    timeout: 120_000,
  });
  if (r.exitCode !== 0)
    throw new Error(`scripts/slurm.sh ${args.join(' ')} failed (${r.exitCode}): ${r.stderr}`);
}

/** Starts what is not running (installing it the first time) and waits until n1..n3 are idle. */
export const ensureCluster = () => slurmScript(['start']);
/** The same, after a test broke something (a killed slurmd, a node set down): everything back in service. */
export const restoreCluster = () => slurmScript(['start']);

/** A Slurm client (scontrol, squeue, scancel) as root against the test cluster. */
export async function slurmAsRoot(
  argv: string[],
): Promise<{ exitCode?: number; stdout: string; stderr: string }> {
  const [file, ...args] = argv as [string, ...string[]];
  const r = await execa(file, args, {
    env: { PATH: DEFAULT_PATH, HOME: '/root', SLURM_CONF },
    extendEnv: false,
    reject: false,
    timeout: 60_000,
  });
  return { exitCode: r.exitCode, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

/** The pid of node NODE's slurmd, from its pid file. */
export function slurmdPid(node: string): number {
  return Number(readFileSync(`${SLURM_DIR}/run/slurmd-${node}.pid`, 'utf8').trim());
}

/** Names of the containers (running or not) of Slurm job ID (the bsub id) on any node of this host. */
export async function jobContainers(id: number): Promise<string[]> {
  const r = await docker([
    'ps',
    '--all',
    '--filter',
    `label=lsf-docker.job=${id}`,
    '--filter',
    'label=lsf-docker.slurm',
    '--format',
    '{{.Names}}',
  ]);
  return r.stdout.split('\n').filter((l) => l !== '');
}
