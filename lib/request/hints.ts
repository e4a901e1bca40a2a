/**
 * Hints for what users mistype, given where they look (at submission): a LSF_DOCKER_* name the
 * wrapper does not know (with the closest one it knows), volumes separated by commas, a memory
 * limit below what docker accepts. Pure: each returns the one-line text to print, or nothing.
 */

/** The LSF_DOCKER_* variables the wrapper reads (docs/variables.md), and its internal ones. */
export const KNOWN_VARIABLES = [
  'LSF_DOCKER_VOLUMES',
  'LSF_DOCKER_NETWORK',
  'LSF_DOCKER_IPC',
  'LSF_DOCKER_SHM_SIZE',
  'LSF_DOCKER_PORTS',
  'LSF_DOCKER_ADD_HOST',
  'LSF_DOCKER_ADD_HOST_FILE',
  'LSF_DOCKER_ENV_FILE',
  'LSF_DOCKER_ENTRYPOINT',
  'LSF_DOCKER_WORKDIR',
  'LSF_DOCKER_CGROUP',
  'LSF_DOCKER_PRESERVE_ENVIRONMENT',
  'LSF_DOCKER_RUN_LOGLEVEL',
  'LSF_DOCKER_RUN_RAW_ARGS',
  'LSF_DOCKER_TRACE',
  'LSF_DOCKER_EXEC_SESSION',
] as const;

/** Edit distance (insertions, deletions, substitutions). Pure. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** The known name closest to NAME, when it is close enough to be a typo. */
export function closestVariable(name: string): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const known of KNOWN_VARIABLES) {
    const d = editDistance(name, known);
    if (!best || d < best.d) best = { name: known, d };
  }
  const tail = name.slice('LSF_DOCKER_'.length);
  return best && best.d <= Math.max(2, Math.ceil(tail.length / 3)) ? best.name : undefined;
}

/** WARNING lines for the LSF_DOCKER_* names of ENV the wrapper does not know, and for comma-separated volumes. */
export function variableWarnings(env: Readonly<Record<string, string | undefined>>): string[] {
  const out: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('LSF_DOCKER_') || (KNOWN_VARIABLES as readonly string[]).includes(name)) continue;
    const near = closestVariable(name);
    out.push(`WARNING: ${name}: unknown; ${near ? `did you mean ${near}?` : 'the wrapper ignores it'}`);
  }
  const volumes = env.LSF_DOCKER_VOLUMES ?? '';
  if (/,/.test(volumes) && /:[^\s,]*,\s*\//.test(volumes))
    out.push('WARNING: LSF_DOCKER_VOLUMES: separate volumes with spaces, not commas ("/a:/a /b:/b")');
  return out;
}

/** Docker's smallest memory limit (docker run -m): 6 MB. */
export const DOCKER_MIN_MEMORY = 6 * 1024 * 1024;

/** Why a memory limit of BYTES (written as TEXT, in UNIT unless it says one) cannot be a container's. */
export function memoryLimitProblem(bytes: number, text: string, unit: 'KB' | 'MB'): string | undefined {
  if (bytes >= DOCKER_MIN_MEMORY) return undefined;
  const mb = (bytes / 1024 / 1024).toFixed(1);
  const written = /[a-z]$/i.test(text.trim()) ? text.trim() : `${text.trim()} ${unit}`;
  return `${written} (${mb} MB) is below docker's minimum of 6 MB (a bare number is in ${unit}: e.g. 4096MB or 4G)`;
}
