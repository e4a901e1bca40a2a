import { hostname } from 'node:os';
import { isatty } from 'node:tty';
import { loadConfig } from '../config/load.js';
import { newSessionToken, parseTopPids, SESSION_VARIABLE, sessionPids } from '../exec/session.js';
import { buildExecArgs, type ContainerFacts, chooseTarget, parseJobTarget } from '../exec/target.js';
import { identityFromOs } from '../host/identity-from-os.js';
import { checkTmpRoot, createPrivateDir, removePrivateDir } from '../host/private-dir.js';
import { renderEnvFile } from '../job/artifacts.js';
import { usageError, WrapperError } from '../kernel/errors.js';
import { ExitCode } from '../kernel/exit-codes.js';
import { parseBool } from '../kernel/grammar/words.js';
import { createLogger } from '../kernel/log/logger.js';
import { parseProgramArgs } from '../kernel/program-args.js';
import { escalationDelay, signalStatus } from '../kernel/signals.js';
import { denyPatterns, filterEnvironment, JOB_VARIABLES } from '../policy/rules/environment.js';
import { daemonProblem } from '../runtime/docker/classify.js';
import { cliEnvironment, DockerCli, type SpawnedCli } from '../runtime/docker/cli.js';

const USAGE = `Usage: docker_exec [--config FILE] JOBID[[INDEX]] [--] COMMAND...

Runs COMMAND inside the container of your running job JOBID (RIS's docker_exec(JOBID)), as you
(uid:gid), with your environment under the same rules as docker_run. One COMMAND word is shell
text run by /bin/sh in the container; several are run as they are. As a job starter the job id
may come from LSB_DOCKER_EXEC_JOBID instead. Another user's job is refused.`;

interface InspectJson {
  Id?: string;
  Name?: string;
  State?: { Running?: boolean };
  Config?: { Labels?: Record<string, string> | null; User?: string; WorkingDir?: string };
}

const targetError = (message: string) => new WrapperError(ExitCode.EXEC_TARGET, message, 'JOBID');

export async function dockerExecMain(argv: string[]): Promise<number> {
  const args = await parseProgramArgs('docker_exec', USAGE, argv, {
    options: { 'config FILE': 'admin config' },
  });
  if (args.exit !== undefined) return args.exit;
  const { config } = loadConfig(args.config, { euid: process.geteuid!() });
  const log = createLogger('docker_exec', config.log.level);
  let words = args.command;
  let jobText = process.env.LSB_DOCKER_EXEC_JOBID;
  if (jobText === undefined || jobText === '') {
    jobText = words[0];
    words = words.slice(1);
    if (words[0] === '--') words = words.slice(1);
  }
  if (!jobText) throw usageError('no JOBID given (see docker_exec --help)');
  const job = parseJobTarget(jobText);
  if (!job) throw usageError(`JOBID "${jobText}" is not a job id (123 or 123[4])`);
  if (words.length === 0 || words.join('').trim() === '')
    throw usageError('no COMMAND given (see docker_exec --help)');

  const identity = identityFromOs();
  const cli = new DockerCli({
    binary: config.docker.binary,
    env: cliEnvironment(identity.home, config.docker.host),
    timeout: config.docker.timeout,
    log,
  });
  const ps = await cli.call(['ps', '-q', '--no-trunc', '--filter', `label=lsf-docker.job=${job.id}`]);
  if (ps.exitCode !== 0)
    throw (
      daemonProblem(ps.stderr, ps.timedOut, 'ps', config.docker.timeout) ??
      targetError(`docker ps: ${ps.stderr}`)
    );
  const ids = ps.stdout.split('\n').filter((l) => /^[0-9a-f]{12,64}$/.test(l));
  let facts: ContainerFacts[] = [];
  if (ids.length > 0) {
    const inspect = await cli.call(['container', 'inspect', ...ids]);
    if (inspect.exitCode !== 0) throw targetError(`docker inspect: ${inspect.stderr}`);
    facts = (JSON.parse(inspect.stdout) as Array<InspectJson>).map((c) => ({
      id: String(c.Id),
      name: String(c.Name ?? '').replace(/^\//, ''),
      running: Boolean(c.State?.Running),
      labels: (c.Config?.Labels ?? {}) as Record<string, string>,
      user: String(c.Config?.User ?? ''),
      workdir: String(c.Config?.WorkingDir ?? ''),
    }));
  }
  const choice = chooseTarget(facts, job, { uid: identity.uid, gid: identity.gid });
  if (!choice.ok) throw targetError(choice.reason);
  log.debug(`target container ${choice.container.name}`);

  // The same environment rules as docker_run: filtered, job variables kept when not preserved.
  const preserveText = process.env.LSF_DOCKER_PRESERVE_ENVIRONMENT;
  const preserve = preserveText
    ? (parseBool(preserveText) ?? config.environment.preserve)
    : config.environment.preserve;
  const base = Object.entries(process.env).filter(
    (e): e is [string, string] => e[1] !== undefined && (preserve || JOB_VARIABLES.includes(e[0])),
  );
  const env = filterEnvironment([base], denyPatterns(config.environment.deny));
  for (const d of env.dropped) log.debug(`environment: ${d.name} dropped (${d.reason})`);

  checkTmpRoot(config.paths.tmpRoot, identity.uid);
  // SIGINT, SIGTERM and SIGHUP (bkill's sequence, a closed terminal) go to the processes this
  // exec started in the container, found by their session token, and to the docker CLI. After
  // SIGTERM, what still runs when LSF's SIGKILL is near is killed, as docker_run removes its container.
  const token = newSessionToken();
  const container = choice.container.id;
  let received: NodeJS.Signals | undefined;
  let killAt: number | undefined;
  let child: SpawnedCli | undefined;
  const session = async () => {
    const top = await cli.call(['top', container, '-eo', 'pid'], { timeout: 10 });
    return top.exitCode === 0 ? sessionPids(parseTopPids(top.stdout), token) : [];
  };
  const signalSession = async (signal: NodeJS.Signals) => {
    for (const pid of await session()) {
      try {
        process.kill(pid, signal);
      } catch {
        // ended meanwhile
      }
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    log.info(`received ${signal}`);
    received = signal;
    if (signal === 'SIGTERM') killAt ??= Date.now() + escalationDelay(config.job.terminateInterval) * 1000;
    child?.kill(signal);
    void signalSession(signal);
  };
  for (const s of EXEC_SIGNALS) process.on(s, onSignal);

  let files: ReturnType<typeof createPrivateDir> | undefined;
  try {
    files = createPrivateDir(config.paths.tmpRoot, identity.uid, {
      passwd: '',
      group: '',
      env: renderEnvFile([...env.kept, [SESSION_VARIABLE, token]]),
      owner: {
        pid: process.pid,
        host: hostname(),
        uid: identity.uid,
        // not the job's container: a sweep of a stale exec dir must never remove the job's container
        container: '',
        job: String(job.id),
        started: new Date().toISOString(),
      },
    });
    if (received) return signalStatus(received);
    const interactive = (process.env.LSB_INTERACTIVE ?? '').toUpperCase() === 'Y' || isatty(0);
    const execArgs = buildExecArgs({
      container,
      uid: identity.uid,
      gid: identity.gid,
      groups: identity.groups,
      envFile: files.env,
      interactive,
      tty: interactive && isatty(0) && isatty(1),
      command: words,
    });
    child = cli.spawn(
      execArgs,
      { stdin: interactive ? 'inherit' : 'ignore', stdout: 'inherit', stderr: 'inherit' },
      { detached: false },
    );
    const result = await child;
    if (!received) return result.exitCode ?? 128;
    // The CLI ended on a signal: wait for the session's processes to end (they got it too).
    for (;;) {
      const left = await session();
      if (left.length === 0) break;
      if (killAt !== undefined && Date.now() >= killAt) {
        log.warning(`exec still running after SIGTERM: killing its ${left.length} process(es)`);
        await signalSession('SIGKILL');
        break;
      }
      await sleep(200);
    }
    return signalStatus(received);
  } finally {
    for (const s of EXEC_SIGNALS) process.off(s, onSignal);
    if (files) removePrivateDir(files.dir);
  }
}

const EXEC_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
