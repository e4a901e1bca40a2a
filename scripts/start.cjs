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
 * has started and read its own. ENV is an object (process.env) or a Map.
 */
function restoreJobNodeVariables(env) {
  const map = env instanceof Map;
  const get = (k) => (map ? env.get(k) : env[k]);
  const del = (k) => (map ? env.delete(k) : delete env[k]);
  const moved = get('LSFD_LAUNCHER_MOVED');
  if (moved === undefined) return;
  del('LSFD_LAUNCHER_MOVED');
  for (const name of moved.split(' ')) {
    const carrier = `LSFD_LAUNCHER_${name}`;
    if (!/^NODE_[A-Za-z0-9_]*$/.test(name) || get(carrier) === undefined) continue;
    if (map) env.set(name, env.get(carrier));
    else env[name] = env[carrier];
    del(carrier);
  }
}

/**
 * The environment read in one pass from /proc/self/environ: its NAME=value entries as the kernel
 * holds them, in order (undefined without /proc). Node's process.env answers each read with
 * getenv(), a linear scan, so enumerating it (Object.entries, or spawn() copying it for a child)
 * is quadratic: 1.4 s for 10,000 variables on the test machine. The entries stay the strings
 * split() made: a job may carry 10,000 variables, and every object made per variable costs the
 * start-up its allocation and the young-generation collections that copy it.
 */
function readEnvironment() {
  let text;
  try {
    text = fs.readFileSync('/proc/self/environ', 'utf8');
  } catch {
    return undefined;
  }
  const entries = text.split('\0');
  if (entries[entries.length - 1] === '') entries.pop();
  return entries;
}

/** The environment's NAME=value entries in order, each name once, on process.env under this key (lib/request/parse.ts reads them once). */
const ENTRIES = Symbol.for('lsf-docker.environment.entries');

/**
 * process.env as a view of ENTRIES (NAME=value strings, as readEnvironment gives them): reads,
 * writes, `in`, enumeration as on an object whose prototype is Object.prototype, and
 * env[ENTRIES] its entries in one native step. The first of duplicate names wins, as with
 * getenv(); an entry without a name ("=x", or no '=') is no variable. Reads go through an index
 * (name -> position of its first entry, one pass, no value copied); the first write turns the
 * view into a Map of the names and values (the programs never write: only start.cjs does, when
 * the launcher moved NODE_* variables).
 */
function environmentView(raw) {
  const proto = Object.prototype;
  let index;
  /** Whether RAW itself is the entry list: every entry named, no name twice. */
  let unique = false;
  let vars;
  const indexed = () => {
    if (index !== undefined) return index;
    index = new Map();
    let skipped = 0;
    for (let i = 0; i < raw.length; i++) {
      const e = raw[i];
      const eq = e.indexOf('=');
      if (eq <= 0) skipped++;
      else {
        const name = e.slice(0, eq);
        if (index.get(name) === undefined) index.set(name, i);
        else skipped++;
      }
    }
    unique = skipped === 0;
    return index;
  };
  const entries = () => {
    if (vars !== undefined) return Array.from(vars, ([name, value]) => `${name}=${value}`);
    const at = indexed();
    if (unique) return raw.slice();
    return raw.filter((e, i) => {
      const eq = e.indexOf('=');
      return eq > 0 && at.get(e.slice(0, eq)) === i;
    });
  };
  const written = () => {
    if (vars === undefined) {
      const list = entries();
      vars = new Map();
      for (let i = 0; i < list.length; i++) {
        const eq = list[i].indexOf('=');
        vars.set(list[i].slice(0, eq), list[i].slice(eq + 1));
      }
      index = undefined;
    }
    return vars;
  };
  const value = (key) => {
    if (vars !== undefined) return vars.get(key);
    const i = indexed().get(key);
    return i === undefined ? undefined : raw[i].slice(key.length + 1);
  };
  const own = (key) => typeof key === 'string' && (vars !== undefined ? vars.has(key) : indexed().has(key));
  const put = (key, v) => {
    if (typeof key !== 'string') return false;
    written().set(key, String(v));
    return true;
  };
  return new Proxy(
    {},
    {
      get: (_, key) => (key === ENTRIES ? entries() : own(key) ? value(key) : proto[key]),
      has: (_, key) => own(key) || key in proto,
      set: (_, key, v) => put(key, v),
      defineProperty: (_, key, desc) => put(key, desc.value),
      deleteProperty: (_, key) => {
        written().delete(key);
        return true;
      },
      ownKeys: () => Array.from(vars !== undefined ? vars.keys() : indexed().keys()),
      getOwnPropertyDescriptor: (_, key) =>
        own(key) ? { value: value(key), writable: true, enumerable: true, configurable: true } : undefined,
    },
  );
}

/** The environment as a plain object, read in one pass (undefined without /proc). */
function environmentSnapshot() {
  const entries = readEnvironment();
  return entries === undefined ? undefined : { ...environmentView(entries) };
}

/**
 * Runs the bundle FILE. process.env becomes a view of the environment read once (the job's own,
 * NODE_* variables back in place): reads stay the same, enumerating it is linear; assignments are
 * no longer copied into the C environment (the programs never make any).
 */
function run(file) {
  const entries = readEnvironment();
  if (entries === undefined) {
    restoreJobNodeVariables(process.env);
  } else {
    const view = environmentView(entries);
    restoreJobNodeVariables(view);
    process.env = view;
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

module.exports = {
  run,
  writeCache,
  cacheAccepted,
  restoreJobNodeVariables,
  environmentSnapshot,
  readEnvironment,
  environmentView,
  ENTRIES,
};

if (require.main === module) {
  const [, , launcher, bundle] = process.argv;
  process.argv.splice(1, 3, launcher);
  run(bundle);
}
