import type { FoundContainer, ImageLayers } from '../types.js';

/** The fields of `docker container inspect` the wrapper reads. */
interface InspectJson {
  Id?: unknown;
  Name?: unknown;
  State?: { Running?: unknown } | null;
  Config?: { Labels?: Record<string, unknown> | null; User?: unknown; WorkingDir?: unknown } | null;
}

const CONTAINER_ID = /^[0-9a-f]{12,64}$/;

/** The `ps` argv listing every container (running or not) that carries each label of QUERY. */
export function psArgv(query: Readonly<Record<string, string>>): string[] {
  const filters = Object.entries(query).flatMap(([k, v]) => ['--filter', `label=${k}=${v}`]);
  return ['ps', '--all', '--quiet', '--no-trunc', ...filters];
}

/** The container ids of `ps --quiet --no-trunc` output (anything else is ignored). Pure. */
export function parseIds(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => CONTAINER_ID.test(l));
}

const text = (v: unknown) => (typeof v === 'string' ? v : '');

/** One container of `container inspect` JSON, or undefined when it is not one. Pure. */
function toFound(c: InspectJson): FoundContainer | undefined {
  const id = text(c.Id);
  if (!CONTAINER_ID.test(id)) return undefined;
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.Config?.Labels ?? {})) if (typeof v === 'string') labels[k] = v;
  return {
    id,
    name: text(c.Name).replace(/^\//, ''),
    labels,
    running: c.State?.Running === true,
    user: text(c.Config?.User),
    workdir: text(c.Config?.WorkingDir),
  };
}

/**
 * The containers of `container inspect ID...` output. A container removed between `ps` and
 * `inspect` is missing from the JSON (the CLI then exits 1): the others are still read. Pure;
 * undefined when the output is not an inspect array.
 */
export function parseInspect(stdout: string): FoundContainer[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  return parsed.flatMap((c) => {
    const found = c && typeof c === 'object' ? toFound(c as InspectJson) : undefined;
    return found ? [found] : [];
  });
}

/** Every container of QUERY's labels and nothing else: labels are filtered again on what inspect said. */
export function matchingLabels(found: FoundContainer[], query: Readonly<Record<string, string>>) {
  return found.filter((c) => Object.entries(query).every(([k, v]) => c.labels[k] === v));
}

/** The PID column of `top CONTAINER -eo pid` (or of any ps-style table with a PID header). Pure. */
export function parseTopPids(stdout: string): number[] {
  const [header, ...rows] = stdout.split('\n');
  const column = (header ?? '').trim().split(/\s+/).indexOf('PID');
  if (column < 0) return [];
  return rows
    .map((row) => row.trim().split(/\s+/)[column])
    .filter((p): p is string => p !== undefined && /^\d+$/.test(p))
    .map(Number);
}

/**
 * The stores whose layers are plain directories of the image's files, with the kernel overlay's
 * whiteouts: docker's overlay2 and containers/storage's overlay (podman), the same GraphDriver
 * shape (UpperDir, then LowerDir's colon-separated dirs).
 */
const OVERLAY_DRIVERS = new Set(['overlay2', 'overlay']);

/** The layer directories (top first) of `image inspect --format '{{json .GraphDriver}}'` for an overlay store. Pure. */
export function parseGraphDriver(stdout: string): string[] | undefined {
  const read = graphDriverLayers(stdout);
  return read.kind === 'layers' ? read.dirs : undefined;
}

/** The same as an answer for a present image: its layer dirs, or the driver whose store is not read. Pure. */
export function graphDriverLayers(stdout: string): ImageLayers {
  let g: { Name?: unknown; Data?: { UpperDir?: unknown; LowerDir?: unknown } | null };
  try {
    g = JSON.parse(stdout) as typeof g;
  } catch {
    return { kind: 'unreadable', driver: 'unknown' };
  }
  const driver = typeof g?.Name === 'string' && g.Name !== '' ? g.Name : 'unknown';
  if (!OVERLAY_DRIVERS.has(driver) || typeof g.Data?.UpperDir !== 'string')
    return { kind: 'unreadable', driver };
  const lower =
    typeof g.Data.LowerDir === 'string' && g.Data.LowerDir !== '' ? g.Data.LowerDir.split(':') : [];
  const dirs = [g.Data.UpperDir, ...lower];
  return dirs.every((l) => l.startsWith('/')) ? { kind: 'layers', dirs } : { kind: 'unreadable', driver };
}
