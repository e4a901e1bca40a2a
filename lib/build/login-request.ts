import type { Config } from '../config/schema.js';
import { WrapperError } from '../kernel/errors.js';
import { ExitCode } from '../kernel/exit-codes.js';
import { parseBool } from '../kernel/grammar/words.js';

/** What a login-only job asks for, from LSB_DOCKER_LOGIN_* (the password never comes from the environment). */
export interface LoginRequest {
  /** The registry as docker login is given it (host[:port], or a URL for docker.io's v1 index). */
  server: string;
  /** host[:port] of the server, to match against [build] allow_registries. */
  registry: string;
  /** From LSB_DOCKER_LOGIN_USER; undefined means ask on the terminal (or use the login name). */
  user: string | undefined;
}

const SERVER =
  /^(?:https?:\/\/)?((?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9a-fA-F:]+\])(?::\d{1,5})?)(?:\/[A-Za-z0-9._/-]*)?$/;
const USER = /^[^\s\x00-\x1f\x7f-][^\s\x00-\x1f\x7f]{0,255}$/;

const bad = (variable: string, message: string) => new WrapperError(ExitCode.BAD_REQUEST, message, variable);

/** True when LSB_DOCKER_LOGIN_ONLY asks for a login-only job. */
export function wantsLoginOnly(env: NodeJS.ProcessEnv): boolean {
  const raw = env.LSB_DOCKER_LOGIN_ONLY;
  if (raw === undefined || raw.trim() === '') return false;
  const value = parseBool(raw);
  if (value === undefined) throw bad('LSB_DOCKER_LOGIN_ONLY', `"${raw}" is not 1/0, yes/no or true/false`);
  return value;
}

/** The registry and user name to log in with; the server must be one the admin allows for builds. */
export function parseLoginRequest(env: NodeJS.ProcessEnv, config: Config): LoginRequest {
  const given = env.LSB_DOCKER_LOGIN_SERVER?.trim();
  const server = given ? given : config.build.defaultRegistry;
  const match = SERVER.exec(server);
  if (!match) {
    throw bad(
      given ? 'LSB_DOCKER_LOGIN_SERVER' : '[build] default_registry',
      `"${server}" is not a registry host[:port]`,
    );
  }
  const registry = match[1]!.toLowerCase() === 'index.docker.io' ? 'docker.io' : match[1]!;
  const allowed = config.build.allowRegistries;
  if (allowed.length > 0 && !allowed.includes(registry)) {
    throw new WrapperError(
      ExitCode.BUILD_REFUSED,
      `${registry} is not a registry the admin allows (allowed: ${allowed.join(', ')})`,
      'LSB_DOCKER_LOGIN_SERVER',
    );
  }
  const rawUser = env.LSB_DOCKER_LOGIN_USER;
  let user: string | undefined;
  if (rawUser !== undefined && rawUser.trim() !== '') {
    user = rawUser.trim();
    if (!USER.test(user)) {
      throw bad('LSB_DOCKER_LOGIN_USER', 'must be one word without white space that does not start with "-"');
    }
  }
  return { server, registry, user };
}
