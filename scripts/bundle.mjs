// Bundles every program of lib/bin/*.ts into dist/bundle/NAME.cjs: one CommonJS file per program
// holding its hot path, so that start-up reads one file (see docs/architecture.md "Start-up
// speed"). The big packages only some calls need (LAZY) go each into dist/bundle/lazy/PKG.cjs,
// shared by all programs and read on first use. dist/bundle/start.cjs (from scripts/start.cjs) runs
// a bundle through the V8 code cache that the install step writes next to it.
//
// CommonJS has no top-level await and no import.meta, and V8 code caches need a script without
// dynamic import(), so:
// - lib/bin/NAME.ts ends in `await runProgram(...)`: read as `void runProgram(...)` (runProgram
//   catches everything and sets process.exitCode); esbuild refuses any other top-level await.
// - import.meta (yargs and yargs-parser use import.meta.url and import.meta.resolve) is
//   __lsfdImportMeta, defined by the banner from __filename.
// - import() becomes require() (`supported: { 'dynamic-import': false }`).
import { copyFileSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

/** Packages the hot path does not load: each its own lazy bundle, loaded by the first import. */
const LAZY = ['execa', 'winston', 'yargs'];
const OUT = 'dist/bundle';

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  supported: { 'dynamic-import': false },
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  outExtension: { '.js': '.cjs' },
  define: { 'import.meta': '__lsfdImportMeta' },
  banner: {
    js: "var __lsfdImportMeta = { get url() { return require('node:url').pathToFileURL(__filename).href; }, resolve: (s) => require('node:url').pathToFileURL(require.resolve(s)).href };",
  },
};

const RUN_PROGRAM = /^await (runProgram\()/m;

/** The entry files' one top-level await, and the lazy packages as references to their bundles. */
const programs = {
  name: 'lsfd-programs',
  setup(b) {
    b.onLoad({ filter: /[/\\]lib[/\\]bin[/\\][^/\\]+\.ts$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replace(RUN_PROGRAM, 'void $1'),
      loader: 'ts',
    }));
    // An ESM facade in its own namespace (not in a "type": "module" package), so that esbuild's
    // interop honours the lazy bundle's __esModule marker: `import yargs from 'yargs'` gets yargs.
    b.onResolve({ filter: new RegExp(`^(${LAZY.join('|')})$`) }, (args) => ({
      path: args.path,
      namespace: 'lsfd-lazy',
    }));
    b.onLoad({ filter: /.*/, namespace: 'lsfd-lazy' }, (args) => ({
      contents: `export * from './lazy/${args.path}.cjs'; export { default } from './lazy/${args.path}.cjs';`,
      loader: 'js',
    }));
    b.onResolve({ filter: /^\.\/lazy\// }, (args) => ({ path: args.path, external: true }));
  },
};

rmSync(OUT, { recursive: true, force: true });

const entries = readdirSync('lib/bin').filter((name) => name.endsWith('.ts'));
await build({
  ...common,
  entryPoints: Object.fromEntries(entries.map((name) => [name.slice(0, -3), `lib/bin/${name}`])),
  outdir: OUT,
  plugins: [programs],
});
await build({
  ...common,
  entryPoints: Object.fromEntries(LAZY.map((name) => [name, name])),
  outdir: `${OUT}/lazy`,
});
copyFileSync('scripts/start.cjs', `${OUT}/start.cjs`);
