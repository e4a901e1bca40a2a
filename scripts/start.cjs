'use strict';
// Runs a program bundle (dist/bundle/NAME.cjs) through the V8 code cache that the install step
// wrote next to it (NAME.cjs.cache, see scripts/lib/launchers.sh): V8 then deserializes the
// compiled functions instead of parsing and compiling the bundle. Without a cache, or when V8
// rejects it (another Node or V8 flags than at install time), the bundle compiles as usual.
// Before that, process.env becomes a plain snapshot of the job's environment (see run()).
//
//   node start.cjs LAUNCHER BUNDLE ARGS...   what an installed launcher runs; the program then
//                                            sees process.argv = [node, LAUNCHER, ARGS...], as if
//                                            node had run LAUNCHER itself.
//   require(start.cjs).run(BUNDLE)           the same with process.argv as it is.
//   require(start.cjs).writeCache(BUNDLE)    the install step: compile every function, write
//                                            BUNDLE.cache (0644);
//   require(start.cjs).cacheAccepted(BUNDLE) then, in a fresh process: whether V8 takes it.
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createRequire, Module } = require('node:module');

/** Node's CommonJS wrapper, kept identical between writing and reading the cache. */
const wrap = (source) => `(function (exports, require, module, __filename, __dirname) {${source}\n});`;

function compile(file, cachedData) {
  return new vm.Script(wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
}

function readCache(file) {
  try {
    return fs.readFileSync(`${file}.cache`);
  } catch {
    return undefined;
  }
}

/**
 * The launcher moved each NODE_X of the job's environment to LSFD_LAUNCHER_NODE_X (listed in
 * LSFD_LAUNCHER_MOVED) so that Node started without it: put them back for the job, now that Node
 * has started and read its own.
 */
function restoreJobNodeVariables(env) {
  const moved = env.LSFD_LAUNCHER_MOVED;
  if (moved === undefined) return;
  delete env.LSFD_LAUNCHER_MOVED;
  for (const name of moved.split(' ')) {
    const carrier = `LSFD_LAUNCHER_${name}`;
    if (!/^NODE_[A-Za-z0-9_]*$/.test(name) || env[carrier] === undefined) continue;
    env[name] = env[carrier];
    delete env[carrier];
  }
}

/**
 * The environment as a plain object, read in one pass from /proc/self/environ (undefined without
 * /proc). Node's process.env answers each read with getenv(), a linear scan, so enumerating it
 * (Object.entries, or spawn() copying it for a child) is quadratic: 1.4 s for 10,000 variables on
 * the test machine, against 20 ms for this. The first of duplicate names wins, as with getenv().
 */
function environmentSnapshot() {
  let text;
  try {
    text = fs.readFileSync('/proc/self/environ', 'utf8');
  } catch {
    return undefined;
  }
  const env = {};
  for (const entry of text.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq <= 0) continue;
    const name = entry.slice(0, eq);
    if (!Object.hasOwn(env, name)) env[name] = entry.slice(eq + 1);
  }
  return env;
}

/**
 * Runs the bundle FILE. process.env becomes a plain snapshot of the environment (the job's own,
 * NODE_* variables back in place): reads stay the same, enumerating it is linear; assignments are
 * no longer copied into the C environment (the programs never make any).
 */
function run(file) {
  const env = environmentSnapshot();
  if (env === undefined) {
    restoreJobNodeVariables(process.env);
  } else {
    restoreJobNodeVariables(env);
    process.env = env;
  }
  const script = compile(file, readCache(file));
  const mod = new Module(file, null);
  mod.filename = file;
  script.runInThisContext()(mod.exports, createRequire(file), mod, file, path.dirname(file));
}

/** Writes FILE.cache with every function compiled. */
function writeCache(file) {
  const v8 = require('node:v8');
  // Compile every function now, then the default flag back before serializing: the cache carries
  // the flags' hash at createCachedData(), which must be a plain start's.
  v8.setFlagsFromString('--no-lazy');
  let script;
  try {
    script = compile(file);
  } finally {
    v8.setFlagsFromString('--lazy');
  }
  const data = script.createCachedData();
  const tmp = `${file}.cache.${process.pid}`;
  fs.writeFileSync(tmp, data, { mode: 0o644 });
  fs.renameSync(tmp, `${file}.cache`);
}

/** Whether V8 in this process accepts FILE.cache. */
function cacheAccepted(file) {
  const data = readCache(file);
  return data !== undefined && !compile(file, data).cachedDataRejected;
}

module.exports = { run, writeCache, cacheAccepted, restoreJobNodeVariables, environmentSnapshot };

if (require.main === module) {
  const [, , launcher, bundle] = process.argv;
  process.argv.splice(1, 3, launcher);
  run(bundle);
}
