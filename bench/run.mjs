// npm run bench: the wrapper's cost beside a plain `docker run` of the same container (same image,
// command `true`, image present), run as the unprivileged test user, interleaved, over repeated runs.
// Prints medians and the ratio. Needs `npm run setup` (engine, images, test user) and `npm run build`.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.env.BENCH_RUNS ?? 15);
const user = process.env.BENCH_USER ?? 'lsfd-test';
const image = process.env.BENCH_IMAGE ?? 'lsf-docker-test/busybox:latest';
const prefix = '/opt/lsf-docker-bench';

execFileSync('bash', [path.join(repo, 'scripts/install.sh'), prefix], { stdio: 'ignore' });
const home = execFileSync('getent', ['passwd', user], { encoding: 'utf8' }).split(':')[5];
const confDir = mkdtempSync(path.join(tmpdir(), 'lsfd-bench-'));
chmodSync(confDir, 0o755);
const config = path.join(confDir, 'bench.conf');
writeFileSync(config, '[docker]\npull = missing\n', { mode: 0o644 });

const asUser = (argv, env = {}) => [
  'setpriv',
  [
    `--reuid=${user}`,
    `--regid=${user}`,
    '--init-groups',
    'env',
    '-i',
    'PATH=/usr/local/bin:/usr/bin:/bin',
    `HOME=${home}`,
    ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
    ...argv,
  ],
];
const time = ([cmd, args]) => {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: home, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const cases = {
  'docker run --rm IMAGE true': asUser(['docker', 'run', '--rm', image, 'true']),
  'docker_run true (wrapper, full lock-down)': asUser(
    [`${prefix}/bin/docker_run`, '--config', config, 'true'],
    {
      LSB_CONTAINER_IMAGE: image,
      LS_SUBCWD: home,
    },
  ),
  'docker_run --dry-run true (start-up only)': asUser(
    [`${prefix}/bin/docker_run`, '--config', config, '--dry-run', 'true'],
    { LSB_CONTAINER_IMAGE: image, LS_SUBCWD: home },
  ),
  'node -e "" (Node start-up floor)': asUser(['node', '-e', '']),
};
// The same docker run the wrapper builds, run directly: what docker itself spends on the lock-down
// (init, bind mounts, limits, labels), apart from anything the wrapper does.
const plan = JSON.parse(
  execFileSync(
    ...asUser([`${prefix}/bin/docker_run`, '--config', config, '--dry-run', 'true'], {
      LSB_CONTAINER_IMAGE: image,
      LS_SUBCWD: home,
    }),
    { cwd: home, encoding: 'utf8' },
  ),
);
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
let serial = 0;
const directArgv = () =>
  plan.run
    .filter((a) => !a.startsWith('--cidfile='))
    .map((a) =>
      a.startsWith('--name=')
        ? `--name=lsfd-bench-${process.pid}-${serial++}`
        : a.replaceAll(dryDir, filesDir),
    );
cases["docker run with the wrapper's argv (no wrapper)"] = null;

const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
const command = (c) => c ?? asUser(directArgv());
for (const c of Object.values(cases)) time(command(c)); // warm up caches
for (let i = 0; i < runs; i++)
  for (const [name, c] of Object.entries(cases)) samples[name].push(time(command(c)));
rmSync(confDir, { recursive: true, force: true });
rmSync(filesDir, { recursive: true, force: true });

const base = median(samples['docker run --rm IMAGE true']);
console.log(`runs: ${runs} each, interleaved, as ${user}; image ${image} present; medians:`);
for (const [name, xs] of Object.entries(samples)) {
  console.log(
    `  ${name.padEnd(44)} ${median(xs).toFixed(0).padStart(5)} ms   (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`,
  );
}
const wrapper = median(samples['docker_run true (wrapper, full lock-down)']);
const direct = median(samples["docker run with the wrapper's argv (no wrapper)"]);
console.log(`ratio wrapper / plain docker run: ${(wrapper / base).toFixed(2)} (aim: <= 1.25)`);
console.log(
  `  of which docker's own cost of the lock-down argv: ${(direct / base).toFixed(2)}; the wrapper's: ${(wrapper / direct).toFixed(2)}`,
);
