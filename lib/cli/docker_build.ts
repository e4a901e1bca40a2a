import { type Builder, decideBuild } from '../build/build-policy.js';
import { checkPaths } from '../build/check-paths.js';
import { Interrupts } from '../build/interrupts.js';
import { dockerLogin, readCredentials } from '../build/login.js';
import { parseLoginRequest, wantsLoginOnly } from '../build/login-request.js';
import { parseBuildArgs } from '../build/options.js';
import { pushTags, runBuild } from '../build/run-build.js';
import { loadConfig } from '../config/load.js';
import { requestError, usageError, WrapperError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { identityFromOs } from '../identity/from-os.js';
import { signalStatus } from '../job/signals.js';
import { parseLogLevel } from '../log/levels.js';
import { createLogger } from '../log/logger.js';
import { cliEnvironment, DockerCli } from '../runner/docker-cli.js';
import { quoteArgv } from '../util/quote.js';
import { showWithYargs } from './args.js';

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

interface ProgramWords {
  config?: string;
  rest: string[];
  exit?: number;
}

/** Our own options come first ([--config FILE], --help, --version); everything after is docker build's. */
async function splitWords(argv: string[]): Promise<ProgramWords> {
  const out: ProgramWords = { rest: [] };
  let i = 0;
  for (; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') {
      i++;
      break;
    }
    if (word === '--help' || word === '--version') {
      await showWithYargs('docker_build', USAGE, word, OPTIONS);
      return { ...out, exit: 0 };
    }
    if (word === '--config' || word.startsWith('--config=')) {
      const value = word === '--config' ? argv[++i] : word.slice('--config='.length);
      if (!value) throw usageError('--config needs a FILE');
      out.config = value;
      continue;
    }
    break;
  }
  out.rest = argv.slice(i);
  return out;
}

export async function dockerBuildMain(argv: string[]): Promise<number> {
  const words = await splitWords(argv);
  if (words.exit !== undefined) return words.exit;
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
  const cli = new DockerCli({
    binary: config.docker.binary,
    env: {
      ...cliEnvironment(identity.home, config.docker.host),
      DOCKER_BUILDKIT: BUILDER === 'classic' ? '0' : '1',
    },
    timeout: config.docker.timeout,
    log,
  });

  if (wantsLoginOnly(process.env)) {
    const request = parseLoginRequest(process.env, config);
    if (words.rest.length > 0) log.debug(`login only: ignoring ${quoteArgv(words.rest)}`);
    const credentials = await readCredentials(
      request,
      identity,
      { stdin: process.stdin, stderr: process.stderr },
      log,
    );
    const file = await dockerLogin(cli, request, credentials, identity, config.docker.pullTimeout, log);
    process.stdout.write(
      `docker_build: logged in to ${request.server} as ${credentials.user}; credentials stored in ${file}\n`,
    );
    return 0;
  }

  const parsed = parseBuildArgs(words.rest);
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
  });
  if (log.debugEnabled) for (const d of plan.decisions) log.debug(`policy: ${d}`);
  checkPaths(plan.pathChecks, identity, log);

  const interrupts = new Interrupts(log);
  try {
    log.info(`building ${plan.tags.map((t) => t.canonical).join(', ') || '(no tag)'}`);
    await runBuild(cli, plan.argv, interrupts, log);
    if (interrupts.signal) return signalStatus(interrupts.signal);
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
