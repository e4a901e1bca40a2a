/**
 * Node built-ins loaded on first use rather than at start-up. A bundled program's imports are
 * all read when it starts: node:child_process costs a few milliseconds and about 1 MB of RSS to
 * load (the job's hot path through the Engine API never starts a process), node:crypto 2.2 MB
 * (its hashes name image state files that only some jobs touch), for as long as the job runs.
 */
import { createRequire } from 'node:module';

let loader: NodeJS.Require | undefined;
/** Node's require, made at the first call (making it costs a start-up a file URL and a resolver). */
const load = (id: string): unknown => {
  loader ??= createRequire(import.meta.url);
  return loader(id);
};

/** node:net, loaded at the first call (about 4 ms and 1.5 MB of RSS: the API's connections go without it when the addon is installed). */
export function nodeNet(): typeof import('node:net') {
  return load('node:net') as typeof import('node:net');
}

/** node:child_process, loaded at the first call. */
export function childProcess(): typeof import('node:child_process') {
  return load('node:child_process') as typeof import('node:child_process');
}

/** node:crypto, loaded at the first call. */
export function nodeCrypto(): typeof import('node:crypto') {
  return load('node:crypto') as typeof import('node:crypto');
}

/** node:tty, loaded at the first call (only interactive jobs ask whether stdin is a terminal). */
export function nodeTty(): typeof import('node:tty') {
  return load('node:tty') as typeof import('node:tty');
}

/** node:http, loaded at the first call (the registry's HTTP, lib/runtime/registry/http-fetch.ts). */
export function nodeHttp(): typeof import('node:http') {
  return load('node:http') as typeof import('node:http');
}

/** node:https, loaded at the first call (TLS costs its own load: only registries that speak it). */
export function nodeHttps(): typeof import('node:https') {
  return load('node:https') as typeof import('node:https');
}

/** node:dns, loaded at the first call (the registry's host looked up before TLS starts). */
export function nodeDns(): typeof import('node:dns') {
  return load('node:dns') as typeof import('node:dns');
}
