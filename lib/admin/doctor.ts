import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { Identity } from '../host/identity.js';
import { identityFromOs } from '../host/identity-from-os.js';
import { osProbe } from '../host/os-probe.js';
import { checkTmpRoot } from '../host/private-dir.js';
import { isWrapperError } from '../kernel/errors.js';
import { ExitCode, Status } from '../kernel/exit-codes.js';
import { createLogger } from '../kernel/log/logger.js';
import type { Subcommand } from '../kernel/subcommand.js';
import { createRuntime } from '../runtime/create.js';
import { apiDaemonProblem } from '../runtime/docker-api/classify.js';
import { DockerApiRuntime } from '../runtime/docker-api/runtime.js';
import { killWaitVerdict, parseSlurmConf } from '../scheduler/slurm/cluster-conf.js';
import { configWarnings } from './config-check.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

const HELP = `Usage: lsf-docker [--config FILE] doctor

Checks this host for running jobs: the config, who you are, the docker CLI and daemon, the
Engine API socket the jobs use ([docker] transport = api), the tmp roots, Slurm's KillWait
against [job] terminate_interval (on a Slurm host), GPUs and InfiniBand devices. One line per
check; exit 0 when all pass, 1 otherwise.`;

/** Runs one check: its detail line, or what it threw as a failure. */
function check(name: string, run: () => string): Check {
  try {
    return { name, ok: true, detail: run() };
  } catch (err) {
    return {
      name,
      ok: false,
      detail: isWrapperError(err) || err instanceof Error ? err.message : String(err),
    };
  }
}

function identityDetail(set: (identity: Identity) => void): string {
  if (process.getuid!() === 0 && process.env.SUDO_UID === undefined) {
    return 'root: jobs run as the submitting user (run doctor as one to check a user)';
  }
  const identity = identityFromOs();
  set(identity);
  return `${identity.user} uid ${identity.uid} gid ${identity.gid} groups ${identity.groups.join(',') || 'none'}`;
}

function tmpRootChecks(cfg: Config, identity: Identity | undefined): Check[] {
  return [
    check('tmp root', () => {
      checkTmpRoot(cfg.paths.tmpRoot, identity?.uid ?? process.getuid!());
      return `${cfg.paths.tmpRoot} is safe for private dirs`;
    }),
    check('job tmp root', () => {
      if (!existsSync(cfg.paths.jobTmpRoot)) throw new Error(`${cfg.paths.jobTmpRoot} does not exist`);
      return `${cfg.paths.jobTmpRoot} (LSF job tmpdirs)`;
    }),
  ];
}

/** The runtime's client and daemon versions, through the runtime seam (the exec door of `createRuntime`). */
async function daemonChecks(cfg: Config, identity: Identity | undefined): Promise<Check[]> {
  const runtime = createRuntime({
    config: cfg,
    identity,
    log: createLogger('lsf-docker', 'CRITICAL'),
    actingAsRoot: false,
  });
  const version = await runtime.exec.call(runtime.versionArgv());
  const ok = version.exitCode === 0;
  const detail = ok
    ? `${version.stdout.trim()} (${cfg.docker.binary})`
    : version.timedOut
      ? `no answer within ${cfg.docker.timeout}s: the daemon seems hung`
      : runtime.classify.reason(version.stderr);
  const api = await engineApiCheck(runtime);
  return [{ name: 'docker daemon', ok, detail }, ...(api ? [api] : [])];
}

/**
 * With `[docker] transport = api` (docker's default) the jobs talk to the daemon's socket
 * themselves: GET /version there, as a job's calls go (the CLI check above does not use it).
 */
async function engineApiCheck(runtime: ReturnType<typeof createRuntime>): Promise<Check | undefined> {
  if (!(runtime instanceof DockerApiRuntime)) return undefined;
  const { client } = runtime;
  try {
    const v = await client.json<{ Version?: string; ApiVersion?: string }>({
      method: 'GET',
      path: '/version',
    });
    return {
      name: 'engine API',
      ok: true,
      detail: `API ${v.ApiVersion ?? '?'} (engine ${v.Version ?? '?'}) at ${client.socketPath}`,
    };
  } catch (err) {
    const problem = apiDaemonProblem(err, client.socketPath);
    return { name: 'engine API', ok: false, detail: (problem ?? (err as Error)).message };
  }
}

function deviceChecks(cfg: Config, identity: Identity): Check[] {
  const probe = osProbe(identity, cfg.devices.gpuDevDir);
  const gpus = probe.hostGpus();
  const ib = cfg.devices.infiniband.filter((d) => probe.stat(d) !== undefined);
  return [
    {
      name: 'GPUs',
      ok: true,
      detail: gpus.length ? `${gpus.join(',')} ([devices] gpus = ${cfg.devices.gpus})` : 'none on this host',
    },
    {
      name: 'InfiniBand',
      ok: true,
      detail: ib.length ? ib.join(' ') : 'none of the configured devices here',
    },
  ];
}

/**
 * Slurm's KillWait against [job] terminate_interval, on a host set up for Slurm ([scheduler]
 * backend = slurm, or a [slurm] conf that exists): Slurm's SIGKILL must come after docker_run has
 * removed the container. FAIL below a 2 s margin, a warning below 5 s.
 */
function killWaitChecks(cfg: Config): Check[] {
  const { conf } = cfg.slurm;
  if (cfg.scheduler.backend !== 'slurm' && !existsSync(conf)) return [];
  return [
    check('Slurm KillWait', () => {
      let text: string;
      try {
        text = readFileSync(conf, 'utf8');
      } catch (err) {
        throw new Error(`[slurm] conf ${conf} cannot be read (${(err as NodeJS.ErrnoException).code})`);
      }
      const verdict = killWaitVerdict(parseSlurmConf(text).killWait, cfg.job.terminateInterval);
      if (verdict.level === 'fail') throw new Error(verdict.detail);
      return verdict.level === 'warn' ? `warning: ${verdict.detail}` : verdict.detail;
    }),
  ];
}

async function runChecks(configPath: string | undefined): Promise<Check[]> {
  let config: Config | undefined;
  const checks = [
    check('config', () => {
      const loaded = loadConfig(configPath, { euid: process.geteuid!() });
      config = loaded.config;
      const warnings = configWarnings(loaded.config);
      return `${loaded.path ?? 'built-in defaults'}${warnings.length ? `; ${warnings.join('; ')}` : ''}`;
    }),
  ];
  let identity: Identity | undefined;
  checks.push(check('identity', () => identityDetail((i) => (identity = i))));
  if (!config) return checks;
  checks.push(...tmpRootChecks(config, identity), ...(await daemonChecks(config, identity)));
  checks.push(...killWaitChecks(config));
  if (identity) checks.push(...deviceChecks(config, identity));
  return checks;
}

export const doctorCommand: Subcommand = async (argv, ctx) => {
  if (argv.length > 0) {
    process.stdout.write(`${HELP}\n`);
    return argv[0] === '--help' || argv[0] === '-h' ? Status.OK : ExitCode.USAGE;
  }
  const checks = await runChecks(ctx.config);
  for (const c of checks)
    process.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(14)} ${c.detail}\n`);
  const ready = checks.every((c) => c.ok);
  process.stdout.write(`${hostname()}: ${ready ? 'ready for docker jobs' : 'not ready'}\n`);
  return ready ? Status.OK : Status.FAILED;
};
