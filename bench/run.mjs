// npm run bench [-- --runs N] [--profile] [--only time,memory,growth,podman] [--runtime podman]
//
// What a job costs through the wrapper, each figure beside its baseline, in one run (about three
// minutes; it stops by itself, with fewer runs if a deadline passes):
//   1. time: `docker_run true` through each transport ([docker] transport = api: the Engine API
//      over the socket; cli: the docker CLI) vs a plain `docker run --rm IMAGE true` (and the
//      wrapper's own argv run by hand), interleaved;
//   2. memory: peak RSS of the wrapper plus its children (sampled from /proc) during
//      `docker_run sleep 2` through each transport, vs a plain `docker run --rm IMAGE sleep 2`;
//   3. growth: `docker_run --dry-run` with 10,000 environment variables, 1,000 supplementary groups
//      and 100 volumes (together and one at a time) vs a plain dry run, interleaved;
//   4. podman: `docker_run true` on rootless podman (as the secure test user) and on rootful
//      podman (through the sudo rule) vs `podman run --rm IMAGE true` as the same user and as root,
//      interleaved, and the peak RSS of `docker_run sleep 2` on rootless podman (--runtime podman:
//      only this part).
// --profile also writes a CPU profile of the heavy dry run and prints where its time goes.
// Then bench/local-lsf.mjs, when present, prints its own rows (the local LSF's costs).
// Runs as root, starting every command with setpriv as the docker-group test user (lsfd-dock,
// BENCH_USER), and the secure mode's case as the secure test user (lsfd-test, BENCH_SECURE_USER)
// through a sudo rule written for the bench's prefix. Needs `npm run setup` (engine, images, test
// users) and `npm run build`. BENCH_PREFIX (default /opt/lsf-docker-bench) is where the build is
// installed for the run.
//
// The groups come from the kernel (lib/host/identity-from-os.ts reads process.getgroups()): setpriv
// --groups gives the process 1,000 extra gids, which no group database knows (like groups from
// LDAP that /etc/group lacks), so the wrapper looks their names up with one getent. Nothing is added
// to /etc/group. The volumes are 100 directories in the user's home (an allowed root by default),
// made at the start and removed at the end.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: process.env.BENCH_RUNS ?? '20' },
    runtime: { type: 'string', default: 'docker' },
    profile: { type: 'boolean', default: false },
    only: { type: 'string', default: 'time,memory,growth,podman' },
  },
});
const runs = Number(opts.runs);
const only = new Set(opts.runtime === 'podman' ? ['podman'] : opts.only.split(','));
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const loadAtStart = loadAverage();
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The docker-group user (no boundary: the wrapper and plain docker run side by side as the same
// user), and the secure mode's user, outside the group, through the sudo rule (issue 16).
const user = process.env.BENCH_USER ?? 'lsfd-dock';
const secureUser = process.env.BENCH_SECURE_USER ?? 'lsfd-test';
const image = process.env.BENCH_IMAGE ?? 'lsf-docker-test/busybox:latest';
const prefix = process.env.BENCH_PREFIX ?? '/opt/lsf-docker-bench';
const started = Date.now();
const DEADLINE_MS = 240_000;
const N_VARS = 10_000;
const N_GROUPS = 1_000;
const N_VOLUMES = 100;
const FIRST_FAKE_GID = 3_000_000;

if (opts.runtime !== 'docker' && opts.runtime !== 'podman') {
  console.log(`--runtime ${opts.runtime}: not measured by this bench (docker or podman)`);
  process.exit(2);
}

execFileSync('bash', [path.join(repo, 'scripts/install.sh'), prefix], { stdio: 'ignore' });
const [, , uidText, gidText, , home] = execFileSync('getent', ['passwd', user], { encoding: 'utf8' }).split(
  ':',
);
const uid = Number(uidText);
const gid = Number(gidText);
const ownGroups = execFileSync('id', ['-G', user], { encoding: 'utf8' }).trim().split(/\s+/);
const confDir = mkdtempSync(path.join(tmpdir(), 'lsfd-bench-'));
chmodSync(confDir, 0o755);
const configFor = (transport) => {
  const file = path.join(confDir, `bench-${transport}.conf`);
  writeFileSync(file, `[docker]\npull = missing\ntransport = ${transport}\n`, { mode: 0o644 });
  return file;
};
const configs = { api: configFor('api'), cli: configFor('cli') };
const config = configs.api;
const volumesDir = path.join(home, '.lsfd-bench-volumes');
rmSync(volumesDir, { recursive: true, force: true });
mkdirSync(volumesDir, { mode: 0o755 });
chownSync(volumesDir, uid, gid);
const volumes = [];
for (let i = 0; i < N_VOLUMES; i++) {
  const dir = path.join(volumesDir, `v${String(i).padStart(3, '0')}`);
  mkdirSync(dir, { mode: 0o755 });
  chownSync(dir, uid, gid);
  volumes.push(`${dir}:/bench/v${i}:ro`);
}
const cleanups = [];
const cleanup = () => {
  rmSync(confDir, { recursive: true, force: true });
  rmSync(volumesDir, { recursive: true, force: true });
  for (const c of cleanups) c();
};
process.on('exit', cleanup);

/**
 * The secure mode, when SECUREUSER exists outside the docker group and sudo is here: a sudo rule
 * for this prefix (scripts/lib/sudo.sh, removed at the end) and a config in /etc/lsf-docker (the
 * only place a program run through sudo reads one). Returns the case's [file, args, env], or
 * undefined.
 */
function secureCase() {
  const etc = sudoSetup();
  if (!etc) return undefined;
  const conf = path.join(etc, 'bench.conf');
  writeFileSync(conf, '[docker]\npull = missing\n', { mode: 0o644 });
  const { uid: u, gid: g, home: h, groups } = secureAccount;
  return () => [
    'setpriv',
    [
      `--reuid=${u}`,
      `--regid=${g}`,
      `--groups=${groups.join(',')}`,
      '--',
      `${prefix}/bin/lsf-docker`,
      'sudo',
      'docker_run',
      '--config',
      conf,
      'true',
    ],
    { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: h, LSB_CONTAINER_IMAGE: image, LS_SUBCWD: h },
    h,
  ];
}

/** SECUREUSER's account: uid, gid, home, groups; undefined when there is no such user. */
function accountOf(name) {
  try {
    const [, , u, g, , h] = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).split(':');
    const groups = execFileSync('id', ['-G', name], { encoding: 'utf8' }).trim().split(/\s+/);
    const names = execFileSync('id', ['-nG', name], { encoding: 'utf8' }).trim().split(/\s+/);
    return { uid: Number(u), gid: Number(g), home: h, groups, inDockerGroup: names.includes('docker') };
  } catch {
    return undefined;
  }
}
const secureAccount = accountOf(secureUser);

let sudoEtc;
/**
 * Once: a sudo rule for this prefix (scripts/lib/sudo.sh, removed at the end) and a dir in
 * /etc/lsf-docker (the only place a program run through sudo reads a config from), when
 * SECUREUSER exists outside the docker group and sudo is here; the dir, else undefined.
 */
function sudoSetup() {
  if (sudoEtc !== undefined) return sudoEtc || undefined;
  sudoEtc = '';
  if (!secureAccount || secureAccount.inDockerGroup) return undefined;
  try {
    execFileSync('sh', ['-c', 'command -v sudo visudo'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
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
    { stdio: 'ignore' },
  );
  mkdirSync('/etc/lsf-docker', { recursive: true, mode: 0o755 });
  const etc = mkdtempSync('/etc/lsf-docker/bench-');
  chmodSync(etc, 0o755);
  cleanups.push(() => {
    rmSync(rule, { force: true });
    rmSync(etc, { recursive: true, force: true });
  });
  sudoEtc = etc;
  return etc;
}

/** [file, args, env] running argv as the test user, with only the given environment. */
const asUser = (argv, env = {}, groups = ownGroups) => [
  'setpriv',
  [`--reuid=${uid}`, `--regid=${gid}`, `--groups=${groups.join(',')}`, '--', ...argv],
  { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: home, ...env },
];
let failures = 0;
/** Milliseconds one run of [file, args, env] takes; a failed run is retried once (shared machine). */
const time = ([file, args, env, cwd], retry = true) => {
  const start = process.hrtime.bigint();
  const r = spawnSync(file, args, {
    cwd: cwd ?? home,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 60_000,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status === 0) return ms;
  const error = `${args.slice(-4).join(' ')} exited ${r.status ?? r.signal}: ${r.stderr}`;
  if (!retry) throw new Error(error);
  failures++;
  console.log(`  (a run failed, retried: ${error.trim()})`);
  return time([file, args, env, cwd], false);
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Runs the cases interleaved (rotating the order each round) and returns their samples. */
function interleave(cases, label, timer = time) {
  const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  const names = Object.keys(cases);
  for (const name of names) timer(cases[name]()); // warm up caches
  for (let i = 0; i < runs; i++) {
    if (Date.now() - started > DEADLINE_MS * 0.8 && i >= 5) {
      console.log(`  (${label}: deadline near, stopped after ${i} runs)`);
      break;
    }
    for (let j = 0; j < names.length; j++) {
      const name = names[(i + j) % names.length];
      samples[name].push(timer(cases[name]()));
    }
  }
  return samples;
}

const jobEnv = { LSB_CONTAINER_IMAGE: image, LS_SUBCWD: home };
const wrapper = (argv, env = {}, groups = ownGroups, conf = config) =>
  asUser([`${prefix}/bin/docker_run`, '--config', conf, ...argv], { ...jobEnv, ...env }, groups);

// --- 1. time: wrapper vs plain docker run ---------------------------------------------------
// The same docker run the wrapper builds, run directly: what docker itself spends on the
// lock-down (init, bind mounts, limits, labels), apart from anything the wrapper does.
const [planFile, planArgs, planEnv] = wrapper(['--dry-run', 'true']);
const plan = JSON.parse(execFileSync(planFile, planArgs, { cwd: home, env: planEnv, encoding: 'utf8' }));
const filesDir = mkdtempSync('/tmp/lsfd-bench-files-');
const dryDir = plan.run
  .find((a) => a.startsWith('--cidfile='))
  .slice('--cidfile='.length)
  .replace(/\/cid$/, '');
for (const [name, file] of [
  ['passwd', 'passwd'],
  ['group', 'group'],
  ['script', 'job.sh'],
  ['env', 'env'],
]) {
  writeFileSync(path.join(filesDir, file), plan.files[name], { mode: 0o644 });
}
chmodSync(filesDir, 0o755);
process.on('exit', () => rmSync(filesDir, { recursive: true, force: true }));
let serial = 0;
const directArgv = () =>
  plan.run
    .filter((a) => !a.startsWith('--cidfile='))
    .map((a) =>
      a.startsWith('--name=')
        ? `--name=lsfd-bench-${process.pid}-${serial++}`
        : a.replaceAll(dryDir, filesDir),
    );

const none = () => ({});
const secure = only.has('time') ? secureCase() : undefined;
const t = (only.has('time') ? interleave : none)(
  {
    ...(secure ? { secure } : {}),
    plain: () => asUser(['docker', 'run', '--rm', image, 'true']),
    api: () => wrapper(['true'], {}, ownGroups, configs.api),
    cli: () => wrapper(['true'], {}, ownGroups, configs.cli),
    direct: () => asUser(directArgv()),
    floor: () => asUser(['node', '-e', '']),
    dry: () => wrapper(['--dry-run', 'true']),
  },
  'time',
);

// --- 2. memory: peak RSS of the wrapper and its descendants ----------------------------------
/** VmRSS and VmHWM (kB) of pid and all its descendants, from /proc. */
function treeMemory(root) {
  const parent = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  const tree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parent) {
      if (tree.has(ppid) && !tree.has(pid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  const procs = [];
  for (const pid of tree) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = (key) => Number(status.match(new RegExp(`^${key}:\\s+(\\d+)`, 'm'))?.[1] ?? 0);
      procs.push({
        pid,
        name: status.match(/^Name:\s+(.*)$/m)?.[1],
        rss: kb('VmRSS'),
        anon: kb('RssAnon'),
        hwm: kb('VmHWM'),
      });
    } catch {
      // exited meanwhile
    }
  }
  return procs;
}

/** Runs argv, sampling its process tree every 20 ms: peak summed VmRSS and RssAnon, summed VmHWM, in MB. */
function peakMemory([file, args, env, cwd]) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: cwd ?? home, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    let peakRss = 0;
    let peakAnon = 0;
    const hwm = new Map();
    const names = new Map();
    const timer = setInterval(() => {
      const procs = treeMemory(child.pid);
      peakRss = Math.max(
        peakRss,
        procs.reduce((sum, p) => sum + p.rss, 0),
      );
      peakAnon = Math.max(
        peakAnon,
        procs.reduce((sum, p) => sum + p.anon, 0),
      );
      for (const p of procs) {
        hwm.set(p.pid, Math.max(hwm.get(p.pid) ?? 0, p.hwm));
        names.set(p.pid, p.name);
      }
    }, 20);
    child.on('close', (code) => {
      clearInterval(timer);
      if (code !== 0) return reject(new Error(`${args.slice(-4).join(' ')} exited ${code}: ${stderr}`));
      const byName = {};
      for (const [pid, kb] of hwm) byName[names.get(pid)] = (byName[names.get(pid)] ?? 0) + kb / 1024;
      resolve({
        rss: peakRss / 1024,
        anon: peakAnon / 1024,
        hwm: [...hwm.values()].reduce((a, b) => a + b, 0) / 1024,
        byName,
      });
    });
  });
}
const memory = { plain: [], api: [], cli: [] };
const sampleMemory = async (argv) => {
  try {
    return await peakMemory(argv);
  } catch (err) {
    failures++;
    console.log(`  (a run failed, retried: ${String(err.message).trim()})`);
    return peakMemory(argv);
  }
};
for (let i = 0; i < (only.has('memory') ? 3 : 0); i++) {
  memory.plain.push(await sampleMemory(asUser(['docker', 'run', '--rm', image, 'sleep', '2'])));
  memory.api.push(await sampleMemory(wrapper(['sleep', '2'], {}, ownGroups, configs.api)));
  memory.cli.push(await sampleMemory(wrapper(['sleep', '2'], {}, ownGroups, configs.cli)));
}

// --- 3. growth: dry run with a big environment, many groups, many volumes -----------------------
const bigEnv = {};
for (let i = 0; i < N_VARS; i++) bigEnv[`BENCH_VAR_${i}`] = `value-${i}-${'x'.repeat(12)}`;
const manyGroups = [...ownGroups];
for (let i = 0; i < N_GROUPS; i++) manyGroups.push(String(FIRST_FAKE_GID + i));
const volumeEnv = { LSF_DOCKER_VOLUMES: volumes.join(' ') };
// The growth cases are timed from the exec of the wrapper to its exit, as a job starter sees it:
// the kernel's exec with the environment and Node's own start with it count, the harness does
// not. setpriv resolves every --groups entry by name first (1,000 getgrnam calls through NSS:
// about 19 ms) and the bench's own spawnSync copies 10,000 variables into the child (about 20 ms),
// neither of which a job pays. A line of perl (STAMPED) sets the groups by number, becomes the
// user, writes CLOCK_MONOTONIC (process.hrtime's clock) to a file and execs the wrapper.
const STAMPED =
  'use Time::HiRes qw(clock_gettime CLOCK_MONOTONIC); my ($u, $g, $gs, $f) = splice(@ARGV, 0, 4);' +
  ' open(my $h, ">", $f) or die "$f: $!\\n"; $) = "$g $gs"; $( = $g; $< = $> = $u;' +
  ' die "not $u\\n" if $< != $u || $> != $u; printf $h "%.0f", clock_gettime(CLOCK_MONOTONIC) * 1e9;' +
  ' close $h; exec { $ARGV[0] } @ARGV or die "exec: $!\\n";';
const stampDir = mkdtempSync('/tmp/lsfd-bench-stamp-');
process.on('exit', () => rmSync(stampDir, { recursive: true, force: true }));
const stampFile = path.join(stampDir, 'exec');
const stamped = (argv, env, groups) => [
  'perl',
  ['-e', STAMPED, String(uid), String(gid), groups.join(' '), stampFile, ...argv],
  { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: home, ...env },
];
/** Milliseconds from the wrapper's exec to its exit (see STAMPED). */
const timeFromExec = (c) => {
  const [file, args, env] = c;
  const r = spawnSync(file, args, { cwd: home, env, stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
  const end = process.hrtime.bigint();
  if (r.status !== 0)
    throw new Error(`${args.slice(-3).join(' ')} exited ${r.status ?? r.signal}: ${r.stderr}`);
  return Number(end - BigInt(readFileSync(stampFile, 'utf8'))) / 1e6;
};
const dry =
  (env, groups = ownGroups) =>
  () =>
    stamped(
      [`${prefix}/bin/docker_run`, '--config', config, '--dry-run', 'true'],
      { ...jobEnv, ...env },
      groups,
    );
const g = (only.has('growth') ? interleave : none)(
  {
    plain: dry({}),
    heavy: dry({ ...bigEnv, ...volumeEnv }, manyGroups),
    vars: dry(bigEnv),
    groups: dry({}, manyGroups),
    volumes: dry(volumeEnv),
    // The floor: Node's own start with the same inputs (what any Node program pays).
    nodePlain: () => stamped([process.execPath, '-e', ''], jobEnv, ownGroups),
    nodeHeavy: () =>
      stamped([process.execPath, '-e', ''], { ...jobEnv, ...bigEnv, ...volumeEnv }, manyGroups),
  },
  'growth',
  timeFromExec,
);
// The same heavy and plain dry runs through setpriv and timed around the spawn, as before.
const gOld = (only.has('growth') ? interleave : none)(
  {
    plain: () => wrapper(['--dry-run', 'true']),
    heavy: () => wrapper(['--dry-run', 'true'], { ...bigEnv, ...volumeEnv }, manyGroups),
  },
  'growth (setpriv)',
);

// --- 4. podman: docker_run on podman beside podman run, rootless and rootful --------------------
// Rootless as the secure test user (podman keeps a store per user: docker_run and `podman run`
// as the same user, the baseline with the XDG_RUNTIME_DIR the wrapper gives podman); rootful
// through the sudo rule (docker_run as root for the user) beside `podman run` as root. Both
// stores need the image (scripts/provision.sh podman).
function podmanSetup() {
  if (!only.has('podman')) return undefined;
  const etc = sudoSetup();
  const why = !secureAccount
    ? `no user ${secureUser}`
    : !etc
      ? `no sudo rule for ${secureUser} (in the docker group, or no sudo)`
      : undefined;
  const store = (asRoot) =>
    spawnSync('podman', ['image', 'exists', image], {
      ...(asRoot ? {} : { uid: secureAccount.uid, gid: secureAccount.gid }),
      cwd: '/',
      env: {
        PATH: '/usr/bin:/bin',
        HOME: asRoot ? '/root' : secureAccount.home,
        XDG_RUNTIME_DIR: `/run/user/${secureAccount?.uid}`,
      },
      stdio: 'ignore',
    }).status === 0;
  const missing =
    why ??
    (!store(false)
      ? `${image} not in ${secureUser}'s podman store`
      : !store(true)
        ? `${image} not in root's podman store`
        : undefined);
  if (missing) {
    console.log(`podman: not measured (${missing}; scripts/provision.sh podman provisions it)`);
    return undefined;
  }
  const conf = (dir, name) => {
    const file = path.join(dir, name);
    writeFileSync(file, '[docker]\nengine = podman\npull = missing\n[resources]\nunenforceable = warn\n', {
      mode: 0o644,
    });
    return file;
  };
  return { rootless: conf(confDir, 'podman-rootless.conf'), rootful: conf(etc, 'podman-rootful.conf') };
}
const podman = podmanSetup();
const asSecure = (argv, env = {}) => {
  const { uid: u, gid: g, home: h, groups } = secureAccount;
  return [
    'setpriv',
    [`--reuid=${u}`, `--regid=${g}`, `--groups=${groups.join(',')}`, '--', ...argv],
    { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: h, ...env },
    h,
  ];
};
const secureJob = () => ({ LSB_CONTAINER_IMAGE: image, LS_SUBCWD: secureAccount.home });
const xdg = () => ({ XDG_RUNTIME_DIR: `/run/user/${secureAccount.uid}` });
const rootPodman = (argv) => [
  'podman',
  argv,
  // root's PATH: rootful podman's network plugins run iptables from sbin.
  { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root' },
  '/root',
];
const pt = (podman ? interleave : none)(
  {
    rootlessPlain: () => asSecure(['podman', 'run', '--rm', image, 'true'], xdg()),
    rootless: () => asSecure([`${prefix}/bin/docker_run`, '--config', podman.rootless, 'true'], secureJob()),
    rootfulPlain: () => rootPodman(['run', '--rm', image, 'true']),
    rootful: () =>
      asSecure(
        [`${prefix}/bin/lsf-docker`, 'sudo', 'docker_run', '--config', podman.rootful, 'true'],
        secureJob(),
      ),
  },
  'podman',
);
const podmanMemory = { plain: [], wrapper: [] };
for (let i = 0; i < (podman ? 3 : 0); i++) {
  podmanMemory.plain.push(
    await sampleMemory(asSecure(['podman', 'run', '--rm', image, 'sleep', '2'], xdg())),
  );
  podmanMemory.wrapper.push(
    await sampleMemory(
      asSecure([`${prefix}/bin/docker_run`, '--config', podman.rootless, 'sleep', '2'], secureJob()),
    ),
  );
}

// --- report -------------------------------------------------------------------------------
const rows = [];
/** A row: the medians of VALUES and BASES, and the median of their ratios pair by pair (same round). */
const row = (what, values, bases, unit, aim) => {
  if (values === undefined || (Array.isArray(values) && (values.length === 0 || !bases?.length))) return;
  const pairs = Array.isArray(values) && Array.isArray(bases);
  const value = pairs ? median(values) : values;
  const base = pairs ? median(bases) : bases;
  const ratio = pairs ? median(values.slice(0, bases.length).map((v, i) => v / bases[i])) : value / base;
  rows.push([
    what,
    `${value.toFixed(unit === 'MB' ? 1 : 0)} ${unit}`,
    `${base.toFixed(unit === 'MB' ? 1 : 0)} ${unit}`,
    ratio.toFixed(2),
    aim,
  ]);
};
const m = (xs) => xs;
row('docker_run true, transport api  vs  docker run --rm IMAGE true', m(t.api), m(t.plain), 'ms', '<= 1.15');
row('docker_run true, transport cli  vs  docker run --rm IMAGE true', m(t.cli), m(t.plain), 'ms', '');
row(
  `  the secure mode: lsf-docker sudo docker_run true as ${secureUser} (transport: the config's default)`,
  m(t.secure),
  m(t.plain),
  'ms',
  '',
);
row("  docker run with the wrapper's own argv (no wrapper)", m(t.direct), m(t.plain), 'ms', '');
row('  docker_run --dry-run true  vs  node -e ""', m(t.dry), m(t.floor), 'ms', '');
const peak = (xs, key) => Math.max(...xs.map((x) => x[key]));
for (const transport of ['api', 'cli']) {
  const xs = memory[transport];
  if (xs.length === 0) continue;
  row(
    `peak RSS, wrapper + children (docker_run sleep 2, ${transport})  vs  docker CLI`,
    peak(xs, 'rss'),
    peak(memory.plain, 'rss'),
    'MB',
    transport === 'api' ? 'wrapper <= 45 MB' : '',
  );
  row('  summed VmHWM of the same processes', peak(xs, 'hwm'), peak(memory.plain, 'hwm'), 'MB', '');
  row(
    '  of which anonymous (RssAnon; the rest is file pages shared with other processes)',
    peak(xs, 'anon'),
    peak(memory.plain, 'anon'),
    'MB',
    '',
  );
}
row(
  `dry run: ${N_VARS} vars + ${N_GROUPS} groups + ${N_VOLUMES} volumes  vs  plain dry run`,
  m(g.heavy),
  m(g.plain),
  'ms',
  '<= 1.5',
);
row(`  ${N_VARS} environment variables only`, m(g.vars), m(g.plain), 'ms', '');
row(`  ${N_GROUPS} supplementary groups only (unknown to /etc/group)`, m(g.groups), m(g.plain), 'ms', '');
row(`  ${N_VOLUMES} volumes only`, m(g.volumes), m(g.plain), 'ms', '');
row('  the floor: node -e "" with the heavy inputs  vs  without', m(g.nodeHeavy), m(g.nodePlain), 'ms', '');
row('  the heavy dry run through setpriv, timed around the spawn', m(gOld.heavy), m(gOld.plain), 'ms', '');
row(
  `docker_run true on rootless podman (as ${secureUser})  vs  podman run --rm IMAGE true`,
  m(pt.rootless),
  m(pt.rootlessPlain),
  'ms',
  '',
);
row(
  '  on rootful podman: lsf-docker sudo docker_run true  vs  podman run --rm IMAGE true as root',
  m(pt.rootful),
  m(pt.rootfulPlain),
  'ms',
  '',
);
const podmanMemoryRows = [
  ['rss', 'peak RSS, wrapper + children (docker_run sleep 2, rootless podman)  vs  podman run'],
  ['anon', '  of which anonymous (RssAnon)'],
];
for (const [key, what] of podmanMemory.wrapper.length > 0 ? podmanMemoryRows : [])
  row(what, peak(podmanMemory.wrapper, key), peak(podmanMemory.plain, key), 'MB', '');
const widths = [0, 1, 2, 3, 4].map((c) =>
  Math.max(...rows.map((r) => r[c].length), ['what', 'median', 'baseline', 'ratio', 'aim'][c].length),
);
const line = (cells) =>
  cells.map((c, i) => (i === 0 || i === 4 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
console.log(
  `${runs} interleaved runs per case, as ${user} (docker group), image ${image} present; medians, ratio = median of the ratios run by run (memory: peak of 3 jobs); load average ${loadAtStart} at the start, ${loadAverage()} at the end`,
);
console.log(line(['what', 'median', 'baseline', 'ratio', 'aim']));
for (const r of rows) console.log(line(r));
for (const transport of ['api', 'cli']) {
  if (memory[transport].length === 0) continue;
  const byName = memory[transport].at(-1)?.byName ?? {};
  console.log(
    `  VmHWM by process (${transport}): ${Object.entries(byName)
      .map(([n, mb]) => `${n} ${mb.toFixed(1)} MB`)
      .join(', ')}`,
  );
}
if (podmanMemory.wrapper.length > 0) {
  const byName = podmanMemory.wrapper.at(-1)?.byName ?? {};
  console.log(
    `  VmHWM by process (rootless podman): ${Object.entries(byName)
      .map(([n, mb]) => `${n} ${mb.toFixed(1)} MB`)
      .join(', ')}`,
  );
}

if (opts.profile) {
  const profDir = mkdtempSync('/tmp/lsfd-bench-prof-');
  chmodSync(profDir, 0o777);
  const [file, args, env] = asUser(
    [
      process.execPath,
      '--cpu-prof',
      `--cpu-prof-dir=${profDir}`,
      `${prefix}/dist/bundle/start.cjs`,
      `${prefix}/bin/docker_run`,
      `${prefix}/dist/bundle/docker_run.cjs`,
      '--config',
      config,
      '--dry-run',
      'true',
    ],
    { ...jobEnv, ...bigEnv, ...volumeEnv },
    manyGroups,
  );
  spawnSync(file, args, { cwd: home, env, stdio: 'ignore', timeout: 60_000 });
  const prof = JSON.parse(readFileSync(path.join(profDir, readdirSync(profDir)[0]), 'utf8'));
  rmSync(profDir, { recursive: true, force: true });
  // esbuild marks each module's start in the bundle with a `// lib/...` line: name the source.
  const bundleLines = readFileSync(`${prefix}/dist/bundle/docker_run.cjs`, 'utf8').split('\n');
  const moduleAt = (line) => {
    for (let i = line; i >= 0; i--)
      if (/^\/\/ (lib|node_modules)\//.test(bundleLines[i])) return bundleLines[i].slice(3);
    return '';
  };
  const self = new Map();
  const dt = prof.timeDeltas;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  prof.samples.forEach((id, i) => {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const where = url.endsWith('/docker_run.cjs') ? moduleAt(lineNumber) : url ? path.basename(url) : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  console.log(`CPU profile of the heavy dry run (${total.toFixed(0)} ms sampled), top self time:`);
  for (const [key, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    console.log(`  ${ms.toFixed(1).padStart(7)} ms  ${key}`);
  }
}
const localLsf = path.join(repo, 'bench', 'local-lsf.mjs');
if (existsSync(localLsf) && !process.env.BENCH_SKIP_LOCAL) {
  console.log('local LSF (bench/local-lsf.mjs):');
  const r = spawnSync(process.execPath, [localLsf], {
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
    env: { ...process.env, BENCH_PREFIX: prefix },
  });
  if (r.status !== 0) {
    const why =
      (r.stderr ?? '').split('\n').find((l) => /^\w*Error: /.test(l)) ?? `exit ${r.status ?? r.signal}`;
    console.log(`  (bench/local-lsf.mjs failed: ${why.slice(0, 400)})`);
  }
}
console.log(
  `bench took ${((Date.now() - started) / 1000).toFixed(0)} s${failures ? `, ${failures} runs retried` : ''}`,
);
