// Bundles every program into dist/bundle/ as ESM with shared chunks, so that start-up
// reads a few files instead of hundreds of node_modules sources (see docs/architecture.md).
import { readdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const entryPoints = readdirSync('lib/bin')
  .filter((name) => name.endsWith('.ts'))
  .map((name) => `lib/bin/${name}`);

// Chunk names carry content hashes: start clean so old chunks are not installed with new ones.
rmSync('dist/bundle', { recursive: true, force: true });

await build({
  entryPoints,
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  banner: {
    js: "import { createRequire as __lsfdCreateRequire } from 'node:module'; const require = __lsfdCreateRequire(import.meta.url);",
  },
});
