/** Splits a space-separated list variable (LSF_DOCKER_VOLUMES, _PORTS, ...) into its words. */
export function splitWords(text: string | undefined): string[] {
  if (text === undefined) return [];
  return text.split(/\s+/).filter((word) => word !== '');
}

/** Boolean variables as LSF users write them: true/false, yes/no, y/n, 1/0, on/off. */
export function parseBool(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (['true', 'yes', 'y', '1', 'on'].includes(t)) return true;
  if (['false', 'no', 'n', '0', 'off'].includes(t)) return false;
  return undefined;
}
