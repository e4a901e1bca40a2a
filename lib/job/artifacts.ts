import { safeDbField } from '../host/identity.js';
import { envFileText } from '../kernel/env-entries.js';
import type { ContainerSpec, IdentitySpec, JobScript } from '../runtime/container-spec.js';

/**
 * The job's files, rendered from its ContainerSpec: the container's minimal /etc/passwd and
 * /etc/group, the job script, and the env-file. lib/host/private-dir.ts writes them.
 */
export interface RenderedFiles {
  passwd: string;
  group: string;
  /** Undefined when no script runs (the image's own command, or the job file). */
  script?: string;
  env: string;
}

/**
 * The minimal /etc/passwd for the container: root, nobody and the user, with the user's real
 * home and shell. No other account exists inside, so nothing else can be su'ed to or named.
 */
export function renderPasswd(id: IdentitySpec): string {
  const name = safeDbField(id.user) ? id.user : `user${id.uid}`;
  const home = safeDbField(id.home) ? id.home : '/';
  const shell = safeDbField(id.shell) ? id.shell : '/bin/sh';
  return [
    'root:x:0:0:root:/root:/bin/sh',
    'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
    `${name}:x:${id.uid}:${id.gid}:${name}:${home}:${shell}`,
    '',
  ].join('\n');
}

/** The minimal /etc/group: root, nogroup, the user's primary group and each supplementary group. */
export function renderGroup(id: IdentitySpec): string {
  const user = safeDbField(id.user) ? id.user : `user${id.uid}`;
  const lines = ['root:x:0:', 'nogroup:x:65534:'];
  const seen = new Set([0, 65534]);
  for (const gid of [id.gid, ...id.groups]) {
    if (seen.has(gid)) continue;
    seen.add(gid);
    const known = id.groupNames.get(gid);
    const name = known && safeDbField(known) && !['root', 'nogroup'].includes(known) ? known : `g${gid}`;
    lines.push(`${name}:x:${gid}:${user}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The job script: LSF's command words joined by one space, as bsub does, under #!/bin/sh. */
export function renderScript(script: JobScript): string {
  return `#!/bin/sh\n${script.words.join(' ')}\n`;
}

/** The env-file: one NAME=value entry per line, taken literally by docker (one join, however many). */
export const renderEnvFile = envFileText;

/** Every file of the job, from its spec. */
export function renderJobFiles(spec: ContainerSpec): RenderedFiles {
  const { identity, process } = spec;
  return {
    passwd: renderPasswd(identity),
    group: renderGroup(identity),
    script: process.script && renderScript(process.script),
    env: process.envFile,
  };
}
