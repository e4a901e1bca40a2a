import { parseAbsolutePath } from './path.js';

/** One LSF_DOCKER_VOLUMES entry: SRC:DST[:ro|rw]. */
export interface VolumeSpec {
  source: string;
  target: string;
  readOnly: boolean;
  /** The entry as the user wrote it, for messages. */
  text: string;
}

export type VolumeParse = { ok: true; volume: VolumeSpec } | { ok: false; reason: string };

export function parseVolume(text: string): VolumeParse {
  const fields = text.split(':');
  if (fields.length < 2 || fields.length > 3) {
    return { ok: false, reason: `"${text}" is not SRC:DST or SRC:DST:MODE` };
  }
  const [src = '', dst = '', mode = 'rw'] = fields;
  if (mode !== 'ro' && mode !== 'rw') {
    return { ok: false, reason: `"${text}": mode "${mode}" is not ro or rw (only these are allowed)` };
  }
  const source = parseAbsolutePath(src);
  if (!source.ok) return { ok: false, reason: `source ${source.reason}` };
  const target = parseAbsolutePath(dst);
  if (!target.ok) return { ok: false, reason: `target ${target.reason}` };
  return { ok: true, volume: { source: source.path, target: target.path, readOnly: mode === 'ro', text } };
}
