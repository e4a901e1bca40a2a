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

/** The text of /proc/self/environ: the environment's NAME=value entries as the kernel holds them, each followed by a NUL byte (undefined without /proc). */
function readEnvironmentText() {
  try {
    return fs.readFileSync('/proc/self/environ', 'utf8');
  } catch {
    return undefined;
  }
}

/** TEXT's entries (NAME=value strings separated by NUL bytes, a final empty one dropped), in order. */
function entriesOfText(text) {
  const entries = text.split('\0');
  if (entries[entries.length - 1] === '') entries.pop();
  return entries;
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
  const text = readEnvironmentText();
  return text === undefined ? undefined : entriesOfText(text);
}

let addon;
/** What start.cjs takes from the addon: the environment index (scripts/native-addon.c). */
const NATIVE_FUNCTIONS = [
  'envIndex',
  'envIndexOfProcess',
  'envAdoptFd',
  'envValue',
  'envEntries',
  'envKept',
  'envPlain',
];
/**
 * The install step's native addon beside this file (lsfd-native.node, scripts/native-addon.c),
 * when it is there and has the environment index; else undefined (a development checkout, a
 * host without a C compiler). It is as trusted as this file: the same root-owned directory.
 */
function nativeEnvironmentIndex() {
  if (addon === undefined) {
    addon = null;
    try {
      const loaded = require(path.join(__dirname, 'lsfd-native.node'));
      if (NATIVE_FUNCTIONS.every((f) => typeof loaded[f] === 'function')) addon = loaded;
    } catch {
      // none: the Map below serves
    }
  }
  return addon ?? undefined;
}

/**
 * The index of an environment: value(name) and has(name) for its variables, entries() its
 * NAME=value entries that count (the first of each name; an entry without a name, "=x" or no
 * '=', is none), names() their names, in order. Through the addon NATIVE over TEXT (the entries
 * separated by NUL bytes, as read) when both are given: no string is made per variable (a job
 * may carry 10,000: their strings, a Map of them and the young-generation collections that copy
 * both cost a start-up about 15 ms here, before the JIT has warmed up), and plainRuns(excluded,
 * maxBytes) makes the env-file's plain lines natively (see envPlain). Else through a Map over
 * RAW (the entries, or split from TEXT when first needed). BUILT: the addon's index already
 * made (envIndexOfProcess: the process's own environment, read in C). NATIVE null: the Map,
 * without loading the addon. Both answer alike
 * (test/unit/host/native.test.ts).
 */
function environmentIndex(
  raw,
  text,
  native = text === undefined ? undefined : nativeEnvironmentIndex(),
  built,
) {
  if (native != null && (built !== undefined || text !== undefined)) {
    const handle = built ?? native.envIndex(text);
    // A key that is not well-formed UTF-16 is no name of the environment (its UTF-8 form might be).
    const named = (key) => typeof key === 'string' && key.isWellFormed();
    let entries;
    return {
      value: (key) => (named(key) ? native.envValue(handle, key) : undefined),
      has: (key) => named(key) && native.envValue(handle, key) !== undefined,
      entries: () => {
        entries ??= native.envEntries(handle);
        return entries.slice();
      },
      names: () => native.envEntries(handle).map((e) => e.slice(0, e.indexOf('='))),
      plainRuns: (excluded, maxBytes) => native.envPlain(handle, excluded, maxBytes),
    };
  }
  const list = raw ?? entriesOfText(text);
  const index = new Map();
  let skipped = 0;
  for (let i = 0; i < list.length; i++) {
    const e = list[i];
    const eq = e.indexOf('=');
    if (eq <= 0) skipped++;
    else {
      const name = e.slice(0, eq);
      if (index.get(name) === undefined) index.set(name, i);
      else skipped++;
    }
  }
  const at = (key) => (typeof key === 'string' ? index.get(key) : undefined);
  return {
    value: (key) => {
      const i = at(key);
      return i === undefined ? undefined : list[i].slice(key.length + 1);
    },
    has: (key) => at(key) !== undefined,
    entries: () => (skipped === 0 ? list.slice() : Array.from(index.values(), (i) => list[i])),
    names: () => Array.from(index.keys()),
  };
}

/** The environment's NAME=value entries in order, each name once, on process.env under this key. */
const ENTRIES = Symbol.for('lsf-docker.environment.entries');
/**
 * The same environment on process.env under this key as { entries, plainRuns }: entries() makes
 * the entries when called (lib/request/parse.ts reads them so, once, when the environment rule
 * needs them); plainRuns, with the addon, renders the env-file's plain lines without them.
 */
const BLOCK = Symbol.for('lsf-docker.environment.block');

/**
 * process.env as a view of an environment (RAW, NAME=value strings as readEnvironment gives
 * them, or TEXT, as read): reads, writes, `in`, enumeration as on an object whose prototype is
 * Object.prototype, env[ENTRIES] its entries and env[BLOCK] (see there). The first of duplicate
 * names wins, as with getenv(); an entry without a name ("=x", or no '=') is no variable. Reads
 * go through environmentIndex (one pass, no value copied; the addon NATIVE's over TEXT when
 * both are given); the first write turns the view into a Map of the names and values (the
 * programs never write: only start.cjs does, when the launcher moved NODE_* variables).
 */
function environmentView(raw, text, native, built) {
  const proto = Object.prototype;
  let index;
  let vars;
  const indexed = () => {
    index ??= environmentIndex(raw, text, native, built);
    return index;
  };
  const entries = () => {
    if (vars !== undefined) return Array.from(vars, ([name, value]) => `${name}=${value}`);
    return indexed().entries();
  };
  const written = () => {
    if (vars === undefined) {
      const list = entries();
      vars = new Map();
      for (let i = 0; i < list.length; i++) {
        const eq = list[i].indexOf('=');
        vars.set(list[i].slice(0, eq), list[i].slice(eq + 1));
      }
    }
    return vars;
  };
  const value = (key) => (vars !== undefined ? vars.get(key) : indexed().value(key));
  const own = (key) => typeof key === 'string' && (vars !== undefined ? vars.has(key) : indexed().has(key));
  const block = () => {
    const plainRuns = vars === undefined ? indexed().plainRuns : undefined;
    return plainRuns ? { entries, plainRuns } : { entries };
  };
  const put = (key, v) => {
    if (typeof key !== 'string') return false;
    written().set(key, String(v));
    return true;
  };
  return new Proxy(
    {},
    {
      get: (_, key) => {
        if (key === ENTRIES) return entries();
        if (key === BLOCK) return block();
        const v = value(key);
        return v !== undefined ? v : proto[key];
      },
      has: (_, key) => own(key) || key in proto,
      set: (_, key, v) => put(key, v),
      defineProperty: (_, key, desc) => put(key, desc.value),
      deleteProperty: (_, key) => {
        written().delete(key);
        return true;
      },
      ownKeys: () => (vars !== undefined ? Array.from(vars.keys()) : indexed().names()),
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
 * Below this many bytes of environment the Map serves: the addon's index pays for itself only
 * for big environments, and loading it costs a small job about 1 MB of RSS.
 */
const SMALL_ENVIRONMENT = 64 * 1024;
const BIG = Symbol('big');

/** /proc/self/environ's text when it is under SMALL_ENVIRONMENT bytes, else BIG (undefined without /proc). */
function readSmallEnvironment() {
  let fd;
  try {
    fd = fs.openSync('/proc/self/environ', 'r');
  } catch {
    return undefined;
  }
  try {
    const buf = Buffer.allocUnsafe(SMALL_ENVIRONMENT);
    let n = 0;
    for (;;) {
      const r = fs.readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) return buf.toString('utf8', 0, n);
      n += r;
      if (n === buf.length) return BIG;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Where lsfd-launch names the memfd it handed a big environment over in (scripts/launcher.c). */
const HANDOFF = 'LSFD_LAUNCHER_ENVIRONMENT';

/**
 * The environment lsfd-launch handed over in a memfd, made the process's own again: through the
 * addon NATIVE (environ itself, for the C library too), else read here as text (the view's
 * only). Undefined when there was no handoff; the text when NATIVE could not take it.
 */
function takeHandoff(native) {
  const fd = process.env[HANDOFF];
  if (fd === undefined) return undefined;
  if (!/^\d{1,9}$/.test(fd)) throw new Error(`${HANDOFF}=${fd} is not a descriptor`);
  if (native?.envAdoptFd(Number(fd))) return null;
  const text = fs.readFileSync(Number(fd), 'utf8');
  fs.closeSync(Number(fd));
  return text;
}

/**
 * Runs the bundle FILE. process.env becomes a view of the environment read once (the job's own,
 * NODE_* variables back in place): reads stay the same, enumerating it is linear; assignments are
 * no longer copied into the C environment (the programs never make any).
 */
function run(file) {
  // A big environment (or one the launcher handed over): the addon's index of the process's own
  // (read in C: no string of the whole); a small one: a Map of its text, the addon not loaded.
  const handedOver = process.env[HANDOFF] !== undefined;
  const small = handedOver ? BIG : readSmallEnvironment();
  const native = small === BIG ? nativeEnvironmentIndex() : undefined;
  const handed = handedOver ? takeHandoff(native) : undefined;
  const text = small === BIG ? (handed ?? (native === undefined ? readEnvironmentText() : undefined)) : small;
  if (text === undefined && native === undefined) {
    restoreJobNodeVariables(process.env);
  } else {
    const view =
      text !== undefined
        ? environmentView(undefined, text, null)
        : environmentView(undefined, undefined, native, native.envIndexOfProcess());
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
  environmentIndex,
  ENTRIES,
  BLOCK,
};

if (require.main === module) {
  const [, , launcher, bundle] = process.argv;
  process.argv.splice(1, 3, launcher);
  run(bundle);
}
