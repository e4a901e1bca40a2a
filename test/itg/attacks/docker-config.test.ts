/**
 * Attack class (d), the user's docker config under sudo: the docker CLI that the programs run as
 * root reads a DOCKER_CONFIG dir; if that is the user's ~/.docker, the user chooses the daemon
 * root talks to (a context naming a socket of theirs) and programs root runs (CLI plugins and
 * their hooks, credential helpers), and the proxies root's containers get. The attacker (an
 * ordinary user, through the sudo rule) plants all of that in ~/.docker and runs docker_exec
 * (into their own running job), docker_run and docker_build. Nothing planted may ever act: no
 * connection to the attacker's socket, no marker from a program of theirs, no proxy variable.
 *
 * Result today (docker CLI 28.2.2, sudo rule, as lsfd-test):
 *   - a context naming the attacker's socket     docker_exec, lsf-docker sweep: HOLE (root's CLI
 *                                                connects to it); docker_run, docker_build: stopped
 *   - CLI plugin hooks (cliPluginsExtraDirs)     docker_exec on a terminal: HOLE (root runs the
 *                                                attacker's docker-evil, metadata and hook);
 *                                                docker_run (terminal), docker_build: stopped
 *   - credsStore / credHelpers, proxies          stopped everywhere (docker exec needs no
 *                                                credentials and applies no proxies; docker_run
 *                                                and docker_build use a private config)
 * Where: lib/cli/docker_exec.ts builds its DockerCli with cliEnvironment(identity.home, ...) and
 * no private config, so DOCKER_CONFIG is the user's ~/.docker (lib/runner/docker-cli.ts
 * cliEnvironment default); docker_run (lib/runner/docker-config.ts dockerConfigFor) and
 * docker_build (lib/build/root-session.ts) already give root's CLI a private dir. lsf-docker
 * sweep under sudo (lib/sweep/command.ts) also passes the user's home, hence ~/.docker.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import {
  attackConfig,
  attackerScript,
  cleanupAttacks,
  giveTo,
  jobContainer,
  prepareAttacks,
  removeBuiltImages,
  spawnSudo,
  sudoArgv,
  sudoRun,
  waitFor,
} from '../helpers/attack.js';
import { IMAGES, REGISTRY } from '../helpers/docker.js';
import { killPtySessions, ptyAs, stripAnsi } from '../helpers/pty.js';
import { type SpawnedAs, spawnAs } from '../helpers/run-as.js';
import { TEST_USER, userInfo } from '../helpers/users.js';
import { cleanupWorkspace, userDir, writeFileAs } from '../helpers/workspace.js';

const attacker = userInfo(TEST_USER);
const JOB = String(883000 + (process.pid % 1000));
const dockerDir = path.join(attacker.home, '.docker');
const setAside = `${dockerDir}.attacks-itg-${process.pid}`;
let config: string;
/** The jobs' cwd (the CLI's cwd, where credsStore "x/evil" is looked up). */
let work: string;
/** The attacker's other files (socket, plugins), outside the build context. */
let lair: string;
let holder: SpawnedAs;

/** The attacker's fake daemon: logs every connection to its socket, then hangs up. */
const FAKE_DAEMON = `
import fs from 'node:fs';
import net from 'node:net';
const [sock, log] = process.argv.slice(2);
net.createServer((c) => { fs.appendFileSync(log, 'connection\\n'); c.destroy(); }).listen(sock, () => {
  process.stdout.write('listening\\n');
});
`;

beforeAll(async () => {
  await prepareAttacks();
  config = await attackConfig('[job]\nterminate_interval = 1\n[docker]\ntimeout = 10\n');
  work = await userDir(TEST_USER, 'dockercfg');
  lair = await userDir(TEST_USER, 'lair');
  mkdirSync(path.join(work, 'ctx'));
  giveTo(TEST_USER, path.join(work, 'ctx'));
  await writeFileAs(path.join(work, 'ctx', 'Dockerfile'), `FROM ${IMAGES.busybox}\nRUN env\n`, {
    user: TEST_USER,
  });
  // The attacker's own running job, for docker_exec to enter.
  holder = spawnSudo(TEST_USER, 'docker_run', ['--config', config, 'sleep 120'], {
    cwd: work,
    env: { LSB_JOBID: JOB },
  });
  await waitFor('the attacker container', () => jobContainer(attacker.uid, JOB));
  if (existsSync(dockerDir)) renameSync(dockerDir, setAside);
});
afterEach(async () => {
  await killPtySessions();
  rmSync(dockerDir, { recursive: true, force: true });
});
afterAll(async () => {
  holder?.kill('SIGTERM');
  await holder?.result;
  rmSync(dockerDir, { recursive: true, force: true });
  if (existsSync(setAside)) renameSync(setAside, dockerDir);
  await cleanupAttacks();
  await cleanupWorkspace();
});

/** Writes ~/.docker/RELATIVE as the attacker would (their file, their 0700 dirs). */
function plant(relative: string, text: string, mode = 0o600) {
  const file = path.join(dockerDir, relative);
  const parts = path.relative(attacker.home, path.dirname(file)).split('/');
  for (let i = 1; i <= parts.length; i++) {
    const dir = path.join(attacker.home, ...parts.slice(0, i));
    if (!existsSync(dir)) mkdirSync(dir, { mode: 0o700 });
    giveTo(TEST_USER, dir);
  }
  writeFileSync(file, text, { mode });
  giveTo(TEST_USER, file);
}

/** An executable of the attacker's that appends "WHAT uid args" to MARKER whenever anyone runs it. */
function attackerProgram(file: string, what: string, marker: string, extra = '') {
  mkdirSync(path.dirname(file), { recursive: true });
  giveTo(TEST_USER, path.dirname(file));
  writeFileSync(file, `#!/bin/sh\necho "${what} $(id -u) $*" >> ${marker}\n${extra}`, { mode: 0o755 });
  giveTo(TEST_USER, file);
}

const dockerExec = (command: string) =>
  sudoRun(TEST_USER, 'docker_exec', ['--config', config, JOB, command], { cwd: work, timeout: 30_000 });
const dockerRun = (command: string) =>
  sudoRun(TEST_USER, 'docker_run', ['--config', config, command], { cwd: work, timeout: 30_000 });
const dockerBuild = () =>
  sudoRun(TEST_USER, 'docker_build', ['--config', config, 'ctx'], { cwd: work, timeout: 60_000 });

/** Runs a program through the sudo rule on a terminal (as an interactive user would). */
async function onTerminal(
  name: 'docker_exec' | 'docker_run',
  args: string[],
  env: Record<string, string> = {},
) {
  const s = ptyAs(TEST_USER, sudoArgv(name, ['--config', config, ...args]), {
    cwd: work,
    env: { LS_SUBCWD: work, LSB_CONTAINER_IMAGE: IMAGES.busybox, ...env },
    timeout: 30_000,
  });
  const r = await s.result;
  return { ...r, stdout: stripAnsi(r.stdout) };
}

describe("root's docker CLI never uses the user's ~/.docker", () => {
  describe("a context naming the attacker's socket: root never connects to it", () => {
    let daemon: SpawnedAs;
    let log: string;
    const connections = () => (existsSync(log) ? readFileSync(log, 'utf8') : '');

    beforeAll(async () => {
      const sock = path.join(lair, 'evil.sock');
      log = path.join(lair, 'evil.log');
      daemon = spawnAs(TEST_USER, ['node', await attackerScript('fake-daemon.mjs', FAKE_DAEMON), sock, log], {
        cwd: lair,
        timeout: 0,
      });
      await waitFor('the fake daemon', async () => (existsSync(sock) ? true : undefined));
    });
    beforeEach(() => {
      rmSync(log, { force: true });
      const meta = createHash('sha256').update('evil').digest('hex');
      plant('config.json', `${JSON.stringify({ currentContext: 'evil' })}\n`);
      plant(
        `contexts/meta/${meta}/meta.json`,
        `${JSON.stringify({ Name: 'evil', Metadata: {}, Endpoints: { docker: { Host: `unix://${path.join(lair, 'evil.sock')}`, SkipTLSVerify: false } } })}\n`,
      );
    });
    afterAll(async () => {
      daemon?.kill('SIGKILL');
      await daemon?.result;
    });

    test('docker_exec', async () => {
      const r = await dockerExec('true');
      expect({ connections: connections(), exit: r.exitCode }).toEqual({ connections: '', exit: 0 });
    });

    test('docker_run', async () => {
      const r = await dockerRun('true');
      expect({ connections: connections(), exit: r.exitCode }).toEqual({ connections: '', exit: 0 });
    });

    test('docker_build', async () => {
      const r = await dockerBuild();
      await removeBuiltImages(r.stdout);
      expect({ connections: connections(), exit: r.exitCode }).toEqual({ connections: '', exit: 0 });
    });

    test('lsf-docker sweep', async () => {
      const r = await sudoRun(TEST_USER, 'lsf-docker', ['--config', config, 'sweep', '--dry-run'], {
        cwd: work,
        timeout: 30_000,
      });
      expect({ connections: connections(), exit: r.exitCode }).toEqual({ connections: '', exit: 0 });
    });
  });

  describe('CLI plugins and their hooks, credential helpers and proxies never act', () => {
    const marker = () => path.join(work, 'planted-ran');
    const ran = () => (existsSync(marker()) ? readFileSync(marker(), 'utf8') : '');
    const PROXY = 'evil.invalid';

    beforeEach(() => {
      rmSync(marker(), { force: true });
      const plugins = path.join(lair, 'plugins');
      attackerProgram(
        path.join(plugins, 'docker-evil'),
        'plugin',
        marker(),
        `[ "$1" = docker-cli-plugin-metadata ] && echo '{"SchemaVersion":"0.1.0","Vendor":"evil","Version":"1"}'\nexit 0\n`,
      );
      // credsStore "x/evil": a CLI reading this config runs ./docker-credential-x/evil (cwd).
      attackerProgram(path.join(work, 'docker-credential-x', 'evil'), 'credential-helper', marker());
      const hooks = 'exec,run,build,ps,inspect,top,pull,push,login,version,info';
      plant(
        'config.json',
        `${JSON.stringify({
          auths: {},
          credsStore: 'x/evil',
          credHelpers: { [REGISTRY.address]: 'x/evil', 'docker.io': 'x/evil' },
          cliPluginsExtraDirs: [plugins],
          plugins: { evil: { hooks } },
          features: { hooks: 'true' },
          proxies: { default: { httpProxy: `http://${PROXY}:3128`, httpsProxy: `http://${PROXY}:3128` } },
        })}\n`,
      );
    });

    test('docker_exec on a terminal', async () => {
      const r = await onTerminal('docker_exec', [JOB, 'env']);
      expect({ ran: ran(), proxied: r.stdout.includes(PROXY) }).toEqual({ ran: '', proxied: false });
      expect(r.exitCode).toBe(0);
    });

    test('docker_exec without a terminal', async () => {
      const r = await dockerExec('env');
      expect({ ran: ran(), proxied: r.stdout.includes(PROXY) }).toEqual({ ran: '', proxied: false });
      expect(r.exitCode).toBe(0);
    });

    test('docker_run, with and without a terminal', async () => {
      const r = await dockerRun('env');
      const t = await onTerminal('docker_run', ['env'], { LSB_INTERACTIVE: 'Y' });
      expect({ ran: ran(), proxied: `${r.stdout}${t.stdout}`.includes(PROXY) }).toEqual({
        ran: '',
        proxied: false,
      });
      expect([r.exitCode, t.exitCode]).toEqual([0, 0]);
    });

    test('docker_build', async () => {
      const r = await dockerBuild();
      await removeBuiltImages(r.stdout);
      expect({ ran: ran(), proxied: r.stdout.includes(PROXY) }).toEqual({ ran: '', proxied: false });
      expect(r.exitCode).toBe(0);
    });
  });
});
