import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { asUser } from '../build/as-user.js';
import { type Builder, type BuildPlan, decideBuild } from '../build/build-policy.js';
import { checkPaths } from '../build/check-paths.js';
import { Interrupts } from '../build/interrupts.js';
import { dockerLogin, readCredentials } from '../build/login.js';
import { parseLoginRequest, wantsLoginOnly } from '../build/login-request.js';
import { parseBuildArgs } from '../build/options.js';
import { actingAsRootFor, openRootSession, type RootSession } from '../build/root-session.js';
import { pushTags, runBuild } from '../build/run-build.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { Identity } from '../host/identity.js';
import { identityFromOs } from '../host/identity-from-os.js';
import { osProbe } from '../host/os-probe.js';
import { requestError, WrapperError } from '../kernel/errors.js';
import { ExitCode } from '../kernel/exit-codes.js';
import { parseLogLevel } from '../kernel/log/levels.js';
import { createLogger, type Logger } from '../kernel/log/logger.js';
import { parseProgramArgs } from '../kernel/program-args.js';
import { quoteArgv } from '../kernel/quote.js';
import { signalStatus } from '../kernel/signals.js';
import { cliEnvironment, DockerCli } from '../runtime/docker/cli.js';

const USAGE = `Usage: docker_build [--config FILE] [--] [docker build options] CONTEXT

Builds an image as an LSF job (bsub -a 'docker_build(TAG)' -- ... CONTEXT) and pushes
every tag: LSB_DOCKER_BUILD_TAG (the esub's tag) and each --tag/-t. docker build options
pass through within the admin's policy; CONTEXT (a directory, a git URL or a tarball URL)
comes last. With LSB_DOCKER_LOGIN_ONLY=1 it only logs in to LSB_DOCKER_LOGIN_SERVER (or
the default registry) as LSB_DOCKER_LOGIN_USER, reading the password from the terminal or
stdin. See docs/user-guide-build.md.`;

const OPTIONS = { 'config FILE': 'admin config (default /etc/lsf-docker/lsf-docker.conf)' };

/**
 * The builder docker_build drives: the classic builder (DOCKER_BUILDKIT=0), which both docker
 * 20.10 and newer clients without buildx run, and whose output names each step.
 */
const BUILDER: Builder = 'classic';

export async function dockerBuildMain(argv: string[]): Promise<number> {
  const args = await parseProgramArgs('docker_build', USAGE, argv, {
    options: OPTIONS,
    foreignOptions: true,
  });
  if (args.exit !== undefined) return args.exit;
  const words = { config: args.config, rest: args.command };
  const { config } = loadConfig(words.config, { euid: process.geteuid!() });
  const log = createLogger('docker_build', config.log.level);
  const rawLevel = process.env.LSF_DOCKER_RUN_LOGLEVEL;
  if (rawLevel !== undefined && rawLevel.trim() !== '') {
    const level = parseLogLevel(rawLevel);
    if (!level) {
      throw requestError(
        'LSF_DOCKER_RUN_LOGLEVEL',
        `"${rawLevel}" is not CRITICAL, ERROR, WARNING, INFO or DEBUG`,
      );
    }
    log.setLevel(level);
  }
  const identity = identityFromOs();
  // Acting as root for the user (sudo): the CLI gets a private HOME and DOCKER_CONFIG (see root-session.ts).
  const session = actingAsRootFor(identity)
    ? openRootSession(
        config.paths.tmpRoot,
        identity,
        config.docker.host,
        osProbe(identity, config.devices.gpuDevDir).readUserFile,
        hostname(),
      )
    : undefined;
  if (session) log.debug(`acting as root for uid ${identity.uid}: private dir ${session.dir}`);
  try {
    const cli = new DockerCli({
      binary: config.docker.binary,
      env: {
        ...(session?.env ?? cliEnvironment(identity.home, config.docker.host)),
        DOCKER_BUILDKIT: BUILDER === 'classic' ? '0' : '1',
      },
      timeout: config.docker.timeout,
      log,
    });
    return await (wantsLoginOnly(process.env)
      ? loginOnly(cli, words.rest, identity, config, log, session)
      : build(cli, words.rest, identity, config, log, session));
  } finally {
    session?.close();
  }
}

async function loginOnly(
  cli: DockerCli,
  rest: string[],
  identity: Identity,
  config: Config,
  log: Logger,
  session: RootSession | undefined,
): Promise<number> {
  const request = parseLoginRequest(process.env, config);
  if (rest.length > 0) log.debug(`login only: ignoring ${quoteArgv(rest)}`);
  const credentials = await readCredentials(
    request,
    identity,
    { stdin: process.stdin, stderr: process.stderr },
    log,
  );
  const file = await dockerLogin(
    cli,
    request,
    credentials,
    identity,
    config.docker.pullTimeout,
    log,
    session,
  );
  process.stdout.write(
    `docker_build: logged in to ${request.server} as ${credentials.user}; credentials stored in ${file}\n`,
  );
  return 0;
}

async function build(
  cli: DockerCli,
  rest: string[],
  identity: Identity,
  config: Config,
  log: Logger,
  session: RootSession | undefined,
): Promise<number> {
  const parsed = parseBuildArgs(rest);
  if (!parsed.ok) {
    throw new WrapperError(
      parsed.subject === 'CONTEXT' ? ExitCode.USAGE : ExitCode.BUILD_REFUSED,
      parsed.reason,
      parsed.subject,
    );
  }
  const plan = decideBuild({
    args: parsed.args,
    envTag: process.env.LSB_DOCKER_BUILD_TAG,
    config,
    identity,
    builder: BUILDER,
    cwd: process.cwd(),
    asRoot: session ? { privateIidfile: session.iidfile } : undefined,
  });
  if (log.debugEnabled) for (const d of plan.decisions) log.debug(`policy: ${d}`);
  checkPaths(plan.pathChecks, identity, log);

  const interrupts = new Interrupts(log);
  try {
    log.info(`building ${plan.tags.map((t) => t.canonical).join(', ') || '(no tag)'}`);
    await runBuild(cli, plan.argv, interrupts, log);
    if (interrupts.signal) return signalStatus(interrupts.signal);
    if (session) await copyIidfile(plan, session, identity, log);
    if (plan.tags.length === 0) {
      process.stdout.write('docker_build: built; no tag given, nothing to push\n');
      return 0;
    }
    await pushTags(cli, plan.tags, config.docker.pullTimeout, interrupts, log);
    if (interrupts.signal) return signalStatus(interrupts.signal);
    return 0;
  } finally {
    interrupts.dispose();
  }
}

/** Acting as root: the image id docker wrote into the private dir, written to the user's --iidfile as the user. */
async function copyIidfile(plan: BuildPlan, session: RootSession, identity: Identity, log: Logger) {
  if (!plan.iidfile) return;
  const text = readFileSync(session.iidfile, 'utf8');
  const written = await asUser(identity, {
    op: 'write',
    path: plan.iidfile,
    mode: 0o644,
    text,
    atomic: false,
  });
  if (!written.ok) {
    throw new WrapperError(
      ExitCode.BUILD_FAILED,
      `${plan.iidfile} ${written.reason}: the image id was not written`,
      '--iidfile',
    );
  }
  log.debug(`--iidfile: ${plan.iidfile} written as uid ${identity.uid}`);
}
