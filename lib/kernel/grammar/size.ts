/** Docker-style sizes ("4g", "512m", "20G", "1.5GiB", "1048576"), to bytes. */
const SIZE = /^(\d+(?:\.\d+)?)\s?([kmgtp]?)(i?b)?$/i;
const UNIT: Record<string, number> = {
  '': 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

export function parseSize(text: string): number | undefined {
  const match = SIZE.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]) * (UNIT[(match[2] ?? '').toLowerCase()] ?? 1);
  // Beyond 2^53 a number prints as 1.2e+21, which docker cannot read: not a size.
  return Number.isSafeInteger(Math.floor(value)) && value >= 0 ? Math.floor(value) : undefined;
}

/** Bytes to the shortest exact docker size (4294967296 -> "4g"). */
export function formatSize(bytes: number): string {
  for (const [unit, factor] of [
    ['g', 1024 ** 3],
    ['m', 1024 ** 2],
    ['k', 1024],
  ] as const) {
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return `${bytes}b`;
}
