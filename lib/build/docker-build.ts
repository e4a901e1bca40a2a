import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { Identity } from '../host/identity.js';
import { identityFromOs } from '../host/identity-from-os.js';
import { osProbe } from '../host/os-probe.js';
import { WrapperError } from '../kernel/errors.js';
import { ExitCode, Status } from '../kernel/exit-codes.js';
import { createLogger, type Logger } from '../kernel/log/logger.js';
import { quoteArgv } from '../kernel/quote.js';
import { signalStatus } from '../kernel/signals.js';
import { parseRunLogLevel } from '../request/variables.js';
import { type CliProfile, cliProfile } from '../runtime/cli-profile.js';
import { createRuntime } from '../runtime/create.js';
import { asUser } from './as-user.js';
import { type Builder, type BuildPlan, decideBuild } from './build-policy.js';
import type { BuildRuntime } from './build-runtime.js';
import { checkPaths } from './check-paths.js';
import { Interrupts } from './interrupts.js';
import { dockerLogin, readCredentials } from './login.js';
import { parseLoginRequest, wantsLoginOnly } from './login-request.js';
import { parseBuildArgs } from './options.js';
import { rootBuildInput, withRealContext } from './root-input.js';
import { actingAsRootFor, openRootSession, type RootSession } from './root-session.js';
import { pushTags, runBuild } from './run-build.js';

/**
 * The builder docker_build drives: the classic builder (DOCKER_BUILDKIT=0), which both docker
 * 20.10 and newer clients without buildx run, and whose output names each step.
 */
const BUILDER: Builder = 'classic';

/** One docker_build job: who, with what config and log, through which runtime. */
interface BuildJob {
  runtime: BuildRuntime;
  identity: Identity;
  config: Config;
  log: Logger;
  session: RootSession | undefined;
  /** The engine's CLI set-up: its environment and where logins are kept. */
  profile: CliProfile;
}

/**
 * docker_build as a service: builds CONTEXT with the job's docker build options and pushes every
 * tag, or (LSB_DOCKER_LOGIN_ONLY=1) only logs in. WORDS are the words after docker_build's own
 * options. Returns the exit status; a refused or failed step throws its WrapperError.
 */
export async function dockerBuild(configPath: string | undefined, words: string[]): Promise<number> {
  const { config } = loadConfig(configPath, { euid: process.geteuid!() });
  const log = createLogger('docker_build', config.log.level);
  const level = parseRunLogLevel(process.env);
  if (!level.ok) throw level.error;
  if (level.value) log.setLevel(level.value);
  const identity = identityFromOs();
  const profile = cliProfile(config.docker.engine);
  // Acting as root for the user (sudo): the CLI gets a private HOME and logins (see root-session.ts).
  const session = actingAsRootFor(identity)
    ? openRootSession(
        config.paths.tmpRoot,
        identity,
        profile,
        config.docker.host,
        osProbe(identity, config.devices.gpuDevDir).readUserFile,
        hostname(),
      )
    : undefined;
  if (session) log.debug(`acting as root for uid ${identity.uid}: private dir ${session.dir}`);
  try {
    const runtime = createRuntime({
      config,
      identity,
      log,
      actingAsRoot: session !== undefined,
      environment: {
        ...(session?.env ?? profile.userEnvironment(identity, config.docker.host)),
        DOCKER_BUILDKIT: BUILDER === 'classic' ? '0' : '1',
      },
    });
    const job: BuildJob = { runtime, identity, config, log, session, profile };
    return await (wantsLoginOnly(process.env) ? loginOnly(job, words) : build(job, words));
  } finally {
    session?.close();
  }
}

async function loginOnly(job: BuildJob, rest: string[]): Promise<number> {
  const { identity, config, log } = job;
  const request = parseLoginRequest(process.env, config);
  if (rest.length > 0) log.debug(`login only: ignoring ${quoteArgv(rest)}`);
  const io = { stdin: process.stdin, stderr: process.stderr };
  const credentials = await readCredentials(request, identity, io, log);
  const timeout = config.docker.pullTimeout;
  const userFile = job.profile.loginFile(identity.home);
  const file = await dockerLogin(job.runtime, request, credentials, identity, timeout, log, {
    userFile,
    session: job.session,
  });
  process.stdout.write(
    `docker_build: logged in to ${request.server} as ${credentials.user}; credentials stored in ${file}\n`,
  );
  return Status.OK;
}

function planOf(job: BuildJob, rest: string[]): BuildPlan {
  const parsed = parseBuildArgs(rest);
  if (!parsed.ok) {
    const code = parsed.subject === 'CONTEXT' ? ExitCode.USAGE : ExitCode.BUILD_REFUSED;
    throw new WrapperError(code, parsed.reason, parsed.subject);
  }
  return decideBuild({
    args: parsed.args,
    envTag: process.env.LSB_DOCKER_BUILD_TAG,
    config: job.config,
    identity: job.identity,
    builder: BUILDER,
    cwd: process.cwd(),
    asRoot: job.session ? { privateIidfile: job.session.iidfile } : undefined,
  });
}

async function build(job: BuildJob, rest: string[]): Promise<number> {
  const { identity, log, session } = job;
  const planned = planOf(job, rest);
  // As root: the context's real path, resolved once, is what is checked and what is held.
  const plan = session ? withRealContext(planned) : planned;
  if (log.debugEnabled) for (const d of plan.decisions) log.debug(`policy: ${d}`);
  checkPaths(plan.pathChecks, identity, log);
  // As root for the user: the Dockerfile read as the user (stdin), the context held and staged.
  const asRoot = session ? rootBuildInput(plan, session, identity, log) : undefined;
  const interrupts = new Interrupts(log);
  try {
    log.info(`building ${plan.tags.map((t) => t.canonical).join(', ') || '(no tag)'}`);
    await runBuild(job.runtime, asRoot?.argv ?? plan.argv, interrupts, log, asRoot?.dockerfile);
    if (interrupts.signal) return signalStatus(interrupts.signal);
    if (session) await copyIidfile(plan, session, identity, log);
    if (plan.tags.length === 0) {
      process.stdout.write('docker_build: built; no tag given, nothing to push\n');
      return Status.OK;
    }
    await pushTags(job.runtime, plan.tags, job.config.docker.pullTimeout, interrupts, log);
    if (interrupts.signal) return signalStatus(interrupts.signal);
    return Status.OK;
  } finally {
    interrupts.dispose();
    for (const p of asRoot?.release() ?? []) log.warning(`staging: ${p}`);
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
