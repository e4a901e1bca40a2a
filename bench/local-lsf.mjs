// The local LSF's cost beside what it stands in for, as ratios (issue 12), run as the unprivileged
// test user against an installed build:
//   - 40 short container jobs on 2 slots, as one array (bsub -K -J 'b[1-40]') and as 40 bsubs
//     (then bwait), against `xargs -P 2 docker run --rm IMAGE true` (aim: both <= 1.1x);
//   - the memory of 1,000 pending jobs: every process of the user's local LSF (aim: < 100 MB);
//   - bkill -> container gone for a `sleep 1000` shell job (aim: < 2 s; [job] terminate_interval 10).
// Each as the docker-group user (starter = direct) and as the user outside the group (starter =
// sudo), unless BENCH_USER names one.
// Alone: `node bench/local-lsf.mjs` (needs `npm run setup` and `npm run build`; installs into
// BENCH_PREFIX, default /opt/lsf-docker-bench-local). From bench/run.mjs:
//   import { benchLocalLsf, printLocalLsf } from './local-lsf.mjs';
//   printLocalLsf(await benchLocalLsf({ prefix: '/opt/lsf-docker-bench' }));
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PATH = '/usr/local/bin:/usr/bin:/bin';

/**
 * The secure deployment (the user outside the docker group): the job starters through the sudo
 * rule for PREFIX (written as install.sh --sudo-rule does), the config in /etc/lsf-docker (the only
 * place they read one from under sudo).
 */
function secureSetup(prefix) {
  const rule = `/etc/sudoers.d/${path.basename(prefix).replace(/[^A-Za-z0-9_-]/g, '-')}`;
  execFileSync(
    'bash',
    [
      '-c',
      'source "$1" && write_sudo_rule "$2" "$3"',
      'rule',
      path.join(repo, 'scripts/lib/sudo.sh'),
      prefix,
      rule,
    ],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  mkdirSync('/etc/lsf-docker', { recursive: true, mode: 0o755 });
  const dir = mkdtempSync('/etc/lsf-docker/bench-local-');
  chmodSync(dir, 0o755);
  return dir;
}

function setupHost(user, secure, prefix) {
  const pw = execFileSync('getent', ['passwd', user], { encoding: 'utf8' }).trim().split(':');
  const [uid, gid, home] = [Number(pw[2]), Number(pw[3]), pw[5]];
  const state = mkdtempSync('/var/lib/lsfd-bench-local-');
  chmodSync(state, 0o755);
  for (const d of ['host', 'host/ids', 'host/locks', 'jobtmp']) {
    mkdirSync(path.join(state, d), { recursive: true });
    chmodSync(path.join(state, d), 0o1777);
  }
  const confDir = secure ? secureSetup(prefix) : state;
  const config = path.join(confDir, 'bench.conf');
  writeFileSync(
    config,
    `[paths]\njob_tmp_root = ${state}/jobtmp\n[docker]\npull = missing\n[local]\nstate_dir = ${state}/host\nslots = 2\n${secure ? 'starter = sudo\n' : ''}`,
    { mode: 0o644 },
  );
  const work = mkdtempSync(path.join(home, 'lsfd-bench-'));
  chownSync(work, uid, gid);
  return { uid, home, state, config, confDir, work };
}

const asUser = (user, home, argv) => [
  'setpriv',
  [
    `--reuid=${user}`,
    `--regid=${user}`,
    '--init-groups',
    'env',
    '-i',
    `PATH=${PATH}`,
    `HOME=${home}`,
    ...argv,
  ],
];

function timed(cmd, args, opts) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...opts });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** RSS (bytes) of every process of UID whose command line mentions the install prefix. */
function rssOf(uid, prefix) {
  let total = 0;
  let count = 0;
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      if (Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]) !== uid) continue;
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(prefix)) continue;
      total += Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
      count += 1;
    } catch {
      // gone
    }
  }
  return { total, count };
}

const inDockerGroup = (user) =>
  execFileSync('id', ['-nG', user], { encoding: 'utf8' }).split(/\s+/).includes('docker');

export async function benchLocalLsf(opts = {}) {
  const prefix = opts.prefix ?? process.env.BENCH_PREFIX ?? '/opt/lsf-docker-bench-local';
  const user = opts.user ?? process.env.BENCH_USER ?? 'lsfd-test';
  const image = opts.image ?? process.env.BENCH_IMAGE ?? 'lsf-docker-test/busybox:latest';
  const rounds = Number(opts.rounds ?? process.env.BENCH_ROUNDS ?? 5);
  if (!opts.installed)
    execFileSync('bash', [path.join(repo, 'scripts/install.sh'), prefix], { stdio: 'ignore' });
  const secure = !inDockerGroup(user);
  const host = setupHost(user, secure, prefix);
  const lsf = (...args) =>
    asUser(user, host.home, [`${prefix}/bin/lsf-docker`, '--config', host.config, ...args]);
  const run = ([cmd, args], input) => timed(cmd, args, { cwd: host.work, input });
  const docker = `docker(${image})`;
  const baseline = !secure
    ? asUser(user, host.home, ['sh', '-c', `seq 40 | xargs -P 2 -I{} docker run --rm ${image} true`])
    : ['sh', ['-c', `seq 40 | xargs -P 2 -I{} docker run --rm ${image} true`]];
  // The job starter alone, as xargs runs docker: what the local LSF adds is the rest.
  const starterAlone = asUser(user, host.home, [
    'sh',
    '-c',
    `seq 40 | xargs -P 2 -I{} env LSB_CONTAINER_IMAGE=${image} LS_SUBCWD=${host.work} ${secure ? '/usr/bin/sudo -n ' : ''}${prefix}/bin/docker_run --config ${host.config} true`,
  ]);
  // The floor of any job starter that is a Node process: Node's own start (`node -e ''`) before
  // each docker run, and nothing else. What the two throughput rows can come to at best here.
  const nodeFloor = `seq 40 | xargs -P 2 -I{} sh -c '${process.execPath} -e "" && exec docker run --rm ${image} true'`;
  const floor = !secure ? asUser(user, host.home, ['sh', '-c', nodeFloor]) : ['sh', ['-c', nodeFloor]];
  const figures = { xargs: [], floor: [], starter: [], array: [], bsubs: [], submit: [] };
  try {
    run(lsf('bsub', '-K', '-a', docker, 'true')); // warm up: images, caches, the dispatcher
    // The cases in a rotated order each round, so that each runs in every place of a round:
    // what a case leaves the host to finish (the kernel's cleanup of network namespaces and
    // mounts, the daemon's) falls on each of the others alike.
    const cases = {
      xargs: () => run(baseline).ms,
      floor: () => run(floor).ms,
      starter: () => run(starterAlone).ms,
      array: (round) => run(lsf('bsub', '-K', '-a', docker, '-J', `a${round}[1-40]`, 'true')).ms,
      bsubs: (round) => {
        const t0 = process.hrtime.bigint();
        for (let n = 0; n < 40; n++)
          figures.submit.push(run(lsf('bsub', '-a', docker, '-J', `s${round}`, 'true')).ms);
        run(lsf('bwait', '-w', `ended("s${round}")`));
        return Number(process.hrtime.bigint() - t0) / 1e6;
      },
    };
    const names = Object.keys(cases);
    for (let round = 0; round < rounds; round++)
      for (let k = 0; k < names.length; k++) {
        const name = names[(k + round) % names.length];
        figures[name].push(cases[name](round));
      }
    figures.pending = await pendingMemory(run, lsf, host, prefix);
    figures.bkill = await bkillTimes(run, lsf, docker, host, Math.max(3, rounds));
  } finally {
    spawnSync(...lsf('bkill', '0'), { cwd: host.work });
    spawnSync(...lsf('badmin', 'hopen'), { cwd: host.work });
    await sleep(1000);
    rmSync(host.work, { recursive: true, force: true });
    rmSync(host.state, { recursive: true, force: true });
    if (host.confDir !== host.state) rmSync(host.confDir, { recursive: true, force: true });
  }
  return { user, image, rounds, secure, ...figures };
}

/** 1,000 pending jobs (a closed host holds them): an array of 980 and 20 separate bsubs. */
async function pendingMemory(run, lsf, host, prefix) {
  run(lsf('badmin', 'hclose'));
  run(lsf('bsub', '-J', 'p[1-980]', 'true'));
  for (let n = 0; n < 20; n++) run(lsf('bsub', 'true'));
  await sleep(1500); // the dispatcher has looked at them all
  const listed = run(lsf('bjobs', '-p', '-noheader', '-o', 'jobid'))
    .stdout.trim()
    .split('\n').length;
  const rss = rssOf(host.uid, prefix);
  run(lsf('bkill', '0'));
  run(lsf('badmin', 'hopen'));
  return { jobs: listed, bytes: rss.total, processes: rss.count };
}

/** bkill -> the container gone, for `sleep 1000` in a shell job (the first SIGINT must end it). */
async function bkillTimes(run, lsf, docker, host, rounds) {
  const times = [];
  for (let i = 0; i < rounds; i++) {
    const out = run(lsf('bsub', '-a', docker, 'sleep 1000')).stdout;
    const id = /Job <(\d+)>/.exec(out)[1];
    const label = `label=lsf-docker.job=${id}`;
    const ps = () =>
      execFileSync(
        'docker',
        ['ps', '-aq', '--filter', label, '--filter', `label=lsf-docker.uid=${host.uid}`],
        { encoding: 'utf8' },
      ).trim();
    for (let k = 0; k < 200 && ps() === ''; k++) await sleep(100);
    await sleep(500);
    const t0 = process.hrtime.bigint();
    run(lsf('bkill', id));
    while (ps() !== '') await sleep(20);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return times;
}

export function printLocalLsf(f) {
  const base = median(f.xargs);
  const line = (name, value, aim, ok) =>
    console.log(`  ${name.padEnd(52)} ${value.padStart(10)}   ${aim.padEnd(10)} ${ok ? 'ok' : 'MISSED'}`);
  console.log(
    `local LSF (issue 12): as ${f.user}, ${f.secure ? 'secure deployment ([local] starter = sudo)' : 'docker-group mode'}, image ${f.image}, 2 slots, ${f.rounds} round(s); ratios are medians of each round's ratio to that round's xargs:`,
  );
  line(
    'xargs -P 2 docker run --rm IMAGE true (40 jobs)',
    `${(base / 1000).toFixed(2)} s`,
    '(baseline)',
    true,
  );
  // Each round's figure against the xargs run of the same round (the host's speed drifts by more
  // than the differences measured: the baseline alone moved 12.4-13.5 s between runs).
  const perRound = (xs, of = f.xargs) => xs.map((x, i) => x / of[i]);
  const ratio = (xs) => median(perRound(xs));
  const spread = (xs) =>
    perRound(xs)
      .map((r) => r.toFixed(2))
      .join(' ');
  line(
    'bsub -K -J "a[1-40]" (one array) / xargs',
    `${ratio(f.array).toFixed(2)}x`,
    '<= 1.1x',
    ratio(f.array) <= 1.1,
  );
  line('40 bsubs, then bwait / xargs', `${ratio(f.bsubs).toFixed(2)}x`, '<= 1.1x', ratio(f.bsubs) <= 1.1);
  console.log(
    `    rounds: array ${spread(f.array)}; bsubs ${spread(f.bsubs)}; starter ${spread(f.starter)}; floor ${spread(f.floor)}`,
  );
  line(
    "  xargs -P 2: node -e '' then docker run (a Node start per job) / xargs",
    `${ratio(f.floor).toFixed(2)}x`,
    '(info)',
    true,
  );
  line(
    '  xargs -P 2 docker_run true (job starter alone) / xargs',
    `${ratio(f.starter).toFixed(2)}x`,
    '(info)',
    true,
  );
  line(
    "  one array / docker_run alone (the local LSF's share)",
    `${median(perRound(f.array, f.starter)).toFixed(2)}x`,
    '(info)',
    true,
  );
  line(
    '  of which one bsub -a docker(IMAGE) (submission only)',
    `${median(f.submit).toFixed(0)} ms`,
    '(info)',
    true,
  );
  line('  one job of xargs, per slot (40 jobs / 2 slots)', `${(base / 20).toFixed(0)} ms`, '(info)', true);
  const mb = f.pending.bytes / 1024 / 1024;
  line(
    `${f.pending.jobs} pending jobs: RSS of ${f.pending.processes} process(es)`,
    `${mb.toFixed(1)} MB`,
    '< 100 MB',
    mb < 100,
  );
  const k = median(f.bkill) / 1000;
  line('bkill -> container gone (sleep 1000 shell job)', `${k.toFixed(2)} s`, '< 2 s', k < 2);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // Both deployments unless BENCH_USER names one: the docker-group user (starter = direct), then
  // the secure one outside the group (starter = sudo).
  const users = process.env.BENCH_USER ? [process.env.BENCH_USER] : ['lsfd-dock', 'lsfd-test'];
  for (const [i, user] of users.entries()) printLocalLsf(await benchLocalLsf({ user, installed: i > 0 }));
}
