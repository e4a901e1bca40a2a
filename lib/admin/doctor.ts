import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { identityFromOs } from '../host/identity-from-os.js';
import { osProbe } from '../host/os-probe.js';
import { checkTmpRoot } from '../host/private-dir.js';
import { isWrapperError } from '../kernel/errors.js';
import { ExitCode, Status } from '../kernel/exit-codes.js';
import { createLogger } from '../kernel/log/logger.js';
import type { Subcommand } from '../kernel/subcommand.js';
import { dockerReason } from '../runtime/docker/classify.js';
import { cliEnvironment, DockerCli } from '../runtime/docker/cli.js';
import { configWarnings } from './config-check.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

const HELP = `Usage: lsf-docker [--config FILE] doctor

Checks this host for running jobs: the config, who you are, the docker CLI and daemon, the tmp
roots, GPUs and InfiniBand devices. One line per check; exit 0 when all pass, 1 otherwise.`;

export const doctorCommand: Subcommand = async (argv, ctx) => {
  if (argv.length > 0) {
    process.stdout.write(`${HELP}\n`);
    return argv[0] === '--help' || argv[0] === '-h' ? Status.OK : ExitCode.USAGE;
  }
  const checks: Check[] = [];
  const add = (name: string, run: () => string) => {
    try {
      checks.push({ name, ok: true, detail: run() });
    } catch (err) {
      checks.push({
        name,
        ok: false,
        detail: isWrapperError(err) || err instanceof Error ? err.message : String(err),
      });
    }
  };
  let config: Config | undefined;
  add('config', () => {
    const loaded = loadConfig(ctx.config, { euid: process.geteuid!() });
    config = loaded.config;
    const warnings = configWarnings(loaded.config);
    return `${loaded.path ?? 'built-in defaults'}${warnings.length ? `; ${warnings.join('; ')}` : ''}`;
  });
  let identity: ReturnType<typeof identityFromOs> | undefined;
  add('identity', () => {
    if (process.getuid!() === 0 && process.env.SUDO_UID === undefined) {
      return 'root: jobs run as the submitting user (run doctor as one to check a user)';
    }
    identity = identityFromOs();
    return `${identity.user} uid ${identity.uid} gid ${identity.gid} groups ${identity.groups.join(',') || 'none'}`;
  });
  if (config) {
    const cfg = config;
    add('tmp root', () => {
      checkTmpRoot(cfg.paths.tmpRoot, identity?.uid ?? process.getuid!());
      return `${cfg.paths.tmpRoot} is safe for private dirs`;
    });
    add('job tmp root', () => {
      if (!existsSync(cfg.paths.jobTmpRoot)) throw new Error(`${cfg.paths.jobTmpRoot} does not exist`);
      return `${cfg.paths.jobTmpRoot} (LSF job tmpdirs)`;
    });
    const cli = new DockerCli({
      binary: cfg.docker.binary,
      env: cliEnvironment(identity?.home ?? '/root', cfg.docker.host),
      timeout: cfg.docker.timeout,
      log: createLogger('lsf-docker', 'CRITICAL'),
    });
    const version = await cli.call(['version', '--format', '{{.Client.Version}} / {{.Server.Version}}']);
    checks.push({
      name: 'docker daemon',
      ok: version.exitCode === 0,
      detail:
        version.exitCode === 0
          ? `client / server ${version.stdout.trim()} (${cfg.docker.binary})`
          : version.timedOut
            ? `no answer within ${cfg.docker.timeout}s: the daemon seems hung`
            : dockerReason(version.stderr),
    });
    if (identity) {
      const probe = osProbe(identity, cfg.devices.gpuDevDir);
      const gpus = probe.hostGpus();
      checks.push({
        name: 'GPUs',
        ok: true,
        detail: gpus.length
          ? `${gpus.join(',')} ([devices] gpus = ${cfg.devices.gpus})`
          : 'none on this host',
      });
      const ib = cfg.devices.infiniband.filter((d) => probe.stat(d) !== undefined);
      checks.push({
        name: 'InfiniBand',
        ok: true,
        detail: ib.length ? ib.join(' ') : 'none of the configured devices here',
      });
    }
  }
  for (const c of checks)
    process.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(14)} ${c.detail}\n`);
  process.stdout.write(
    `${hostname()}: ${checks.every((c) => c.ok) ? 'ready for docker jobs' : 'not ready'}\n`,
  );
  return checks.every((c) => c.ok) ? 0 : 1;
};
