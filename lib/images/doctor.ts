import { hostname } from 'node:os';
import { isWrapperError, usageError } from '../kernel/errors.js';
import { ExitCode, Status } from '../kernel/exit-codes.js';
import { type ImageRef, parseImageRef, registryAllowed } from '../kernel/grammar/image.js';
import type { Subcommand } from '../kernel/subcommand.js';
import { parsePlatform } from '../runtime/registry/manifest.js';
import { openRegistry, readUserDockerConfig } from '../runtime/registry/open.js';
import { type Resolution, resolveImage } from '../runtime/registry/resolve.js';
import type { ImageInfo } from '../runtime/types.js';
import { imagesContext } from './context.js';
import { type ImageCheck, type ImageFacts, imageChecks } from './doctor-checks.js';

const HELP = `Usage: lsf-docker [--config FILE] doctor --image IMAGE

Reports what makes IMAGE fail as a batch job: a platform other than this cluster's, no /bin/sh
(the wrapper runs every command through it), an ENTRYPOINT the wrapper replaces, a USER that
expects root (jobs run as the submitting user), its size and layers. An image on this host is
inspected (and /bin/sh run in a throw-away container without network or privileges); otherwise
its registry is asked with your credentials. Exit 0, or 1 when a check fails.`;

/** The IMAGE of `--image IMAGE` / `--image=IMAGE`; undefined for --help. */
function imageArg(argv: string[]): string | undefined {
  let image: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--help' || word === '-h') return undefined;
    if (word === '--image') image = argv[++i] ?? '';
    else if (word.startsWith('--image=')) image = word.slice('--image='.length);
    else throw usageError(`doctor: unknown argument "${word}" (doctor --image IMAGE)`);
  }
  return image;
}

function localFacts(image: string, info: ImageInfo): ImageFacts {
  return {
    image,
    source: 'local',
    platform: info.os ? { os: info.os, architecture: info.architecture, variant: info.variant } : undefined,
    size: info.size,
    layers: info.layers.length,
    user: info.user,
    entrypoint: info.entrypoint,
    cmd: info.cmd,
  };
}

/**
 * The registry's answer as facts, or the failed check that says why there are none; NOTHERE:
 * the engine said the image is not on this host (false: it could not be asked). Pure.
 */
export function remoteFacts(
  image: string,
  ref: ImageRef,
  r: Resolution,
  notHere = true,
): ImageFacts | ImageCheck {
  const fail = (detail: string): ImageCheck => ({ level: 'fail', name: 'registry', detail });
  const and = (what: string) => (notHere ? `not on this host, and ${what}` : what);
  switch (r.kind) {
    case 'found':
      return {
        image,
        source: 'registry',
        platform: r.config?.platform,
        size: r.layers?.reduce((a, b) => a + b, 0),
        layers: r.layers?.length,
        user: r.config?.user ?? '',
        entrypoint: r.config?.entrypoint,
        cmd: r.config?.cmd,
      };
    case 'missing':
      return fail(
        `${r.what} ${r.what === 'tag' ? ref.tag : r.what === 'digest' ? ref.digest : ref.path} does not exist in ${ref.registry}`,
      );
    case 'no-platform':
      return fail(`no manifest for ${r.wanted} (it has ${r.offered.join(', ') || 'none'})`);
    case 'refused':
      return fail(`${ref.registry} refused your credentials`);
    case 'needs-login':
      return fail(and(`${ref.registry} wants a login (docker login ${ref.registry})`));
    default:
      return fail(and(`${ref.registry} did not answer (${r.detail})`));
  }
}

/** The image as this host's engine has it; or, when the caller cannot reach the engine at all, why. */
async function localImage(
  runtime: ReturnType<typeof imagesContext>['runtime'],
  image: string,
): Promise<{ info: ImageInfo | undefined } | { unreachable: string; denied: boolean }> {
  try {
    return { info: await runtime.imageStore.inspect(image) };
  } catch (err) {
    if (!isWrapperError(err) || err.code !== ExitCode.DAEMON_UNREACHABLE) throw err;
    const denied = /permission denied/i.test(err.message);
    const why = denied
      ? `${runtime.name}: you may not reach the engine on this host (jobs start through the sudo rule)`
      : err.message;
    return { unreachable: why, denied };
  }
}

async function checksFor(configPath: string | undefined, text: string): Promise<ImageCheck[]> {
  const { config, runtime, home } = imagesContext(configPath);
  const image = config.images.aliases[text] ?? text;
  const parsed = parseImageRef(image);
  if (!parsed.ok) return [{ level: 'fail', name: 'reference', detail: `"${image}" ${parsed.reason}` }];
  const checks: ImageCheck[] = [];
  if (!registryAllowed(parsed.ref, config.images.allowRegistries))
    checks.push({
      level: 'fail',
      name: 'registry',
      detail: `${parsed.ref.registry} is not in [images] allow_registries`,
    });
  const host = parsePlatform(config.images.platform);
  const local = await localImage(runtime, image);
  if ('info' in local && local.info) {
    const facts = localFacts(image, local.info);
    facts.shell = await runtime.imageStore.probeShell(image);
    return [...checks, ...imageChecks(facts, host)];
  }
  // An engine the caller may not reach (the secure deployment: jobs start through the sudo rule,
  // which does not list doctor): the registry's answer is what there is, said as such.
  if ('unreachable' in local)
    checks.push({
      level: local.denied ? 'info' : 'warn',
      name: 'runtime',
      detail: `${local.unreachable}; the registry was asked instead, /bin/sh not tried`,
    });
  const { client } = openRegistry(parsed.ref, {
    insecure: config.images.insecureRegistries,
    dockerConfig: readUserDockerConfig(home, true, () => ''),
    signal: AbortSignal.timeout(Math.max(config.images.checkTimeout, 10) * 1000),
  });
  const answer = await resolveImage(client, host, { describe: true });
  const facts = remoteFacts(image, parsed.ref, answer, !('unreachable' in local));
  return [...checks, ...('level' in facts ? [facts] : imageChecks(facts, host))];
}

const LABEL = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', info: 'info' } as const;

export const imageDoctorCommand: Subcommand = async (argv, ctx) => {
  const text = imageArg(argv);
  if (text === undefined) {
    process.stdout.write(`${HELP}\n`);
    return Status.OK;
  }
  if (text === '') throw usageError('doctor --image needs an IMAGE');
  let checks: ImageCheck[];
  try {
    checks = await checksFor(ctx.config, text);
  } catch (err) {
    if (!isWrapperError(err) || err.code === ExitCode.CONFIG) throw err;
    checks = [{ level: 'fail', name: 'runtime', detail: err.message }];
  }
  for (const c of checks) process.stdout.write(`${LABEL[c.level]} ${c.name.padEnd(10)} ${c.detail}\n`);
  const ready = checks.every((c) => c.level !== 'fail');
  process.stdout.write(
    `${text} on ${hostname()}: ${ready ? 'fit for batch jobs' : 'not fit for batch jobs'}\n`,
  );
  return ready ? Status.OK : Status.FAILED;
};
