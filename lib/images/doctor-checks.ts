import { humanBytes } from '../kernel/bytes.js';
import { formatPlatform, type Platform, platformMatches } from '../runtime/registry/manifest.js';
import type { ShellProbe } from '../runtime/types.js';

/** What the image doctor knows about one image: from the local store, or from its registry. */
export interface ImageFacts {
  image: string;
  /** local: `image inspect` (and a shell probe); registry: the manifest and config blob. */
  source: 'local' | 'registry';
  platform?: Platform;
  /** Bytes: uncompressed on the host, compressed in the registry. */
  size?: number;
  layers?: number;
  user: string;
  entrypoint?: string[];
  cmd?: string[];
  shell?: ShellProbe;
}

export interface ImageCheck {
  level: 'ok' | 'warn' | 'fail' | 'info';
  name: string;
  detail: string;
}

const ROOT_USER = /^(|root|0)(:.*)?$/;

function shellCheck(f: ImageFacts): ImageCheck {
  if (!f.shell)
    return {
      level: 'info',
      name: '/bin/sh',
      detail: 'not checked: the image is not on this host (pull it, then ask again)',
    };
  return f.shell.ok
    ? { level: 'ok', name: '/bin/sh', detail: 'runs (the wrapper runs every batch command through it)' }
    : {
        level: 'fail',
        name: '/bin/sh',
        detail: `does not run (${f.shell.detail}): batch jobs fail; only LSF_DOCKER_RUN_RAW_ARGS=1 jobs can use this image`,
      };
}

function platformCheck(f: ImageFacts, host: Platform): ImageCheck {
  if (!f.platform)
    return { level: 'info', name: 'platform', detail: `unknown (this host runs ${formatPlatform(host)})` };
  return platformMatches(f.platform, host)
    ? { level: 'ok', name: 'platform', detail: formatPlatform(f.platform) }
    : {
        level: 'fail',
        name: 'platform',
        detail: `${formatPlatform(f.platform)}, but jobs run on ${formatPlatform(host)} ([images] platform): exec format error`,
      };
}

function entrypointCheck(f: ImageFacts): ImageCheck {
  if (!f.entrypoint || f.entrypoint.length === 0) return { level: 'ok', name: 'entrypoint', detail: 'none' };
  return {
    level: 'warn',
    name: 'entrypoint',
    detail: `${JSON.stringify(f.entrypoint)} is replaced by /bin/sh for batch jobs: what it sets up (environment, activation) does not happen; put it in the job's command, or use LSF_DOCKER_RUN_RAW_ARGS=1`,
  };
}

function userCheck(f: ImageFacts): ImageCheck {
  if (ROOT_USER.test(f.user)) {
    return {
      level: 'warn',
      name: 'user',
      detail: `${f.user === '' ? 'unset (root)' : f.user}: the image expects root, but jobs run as the submitting user: what only root may write in the image (/root, /var/lib/..., /opt/...) is read-only to them`,
    };
  }
  return {
    level: 'info',
    name: 'user',
    detail: `${f.user}: replaced by the submitting user's uid:gid; HOME is their home, not the image's`,
  };
}

function sizeCheck(f: ImageFacts): ImageCheck {
  const how = f.source === 'registry' ? ' compressed, in the registry' : '';
  const size = f.size !== undefined ? humanBytes(f.size) : 'unknown size';
  return { level: 'info', name: 'size', detail: `${size}${how}, ${f.layers ?? '?'} layer(s)` };
}

/** What makes IMAGE fail (or surprise) as a batch job, one check per concern. Pure. */
export function imageChecks(f: ImageFacts, host: Platform): ImageCheck[] {
  return [platformCheck(f, host), shellCheck(f), entrypointCheck(f), userCheck(f), sizeCheck(f)];
}
