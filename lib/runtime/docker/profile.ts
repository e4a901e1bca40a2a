import type { CliProfile } from '../types.js';
import { dockerConfigFor } from './config-dir.js';
import { cliEnvironment } from './environment.js';

/** docker's CLI for docker_build: ~/.docker/config.json, or a private DOCKER_CONFIG as root for the user. */
export const DOCKER_PROFILE: CliProfile = {
  loginFile: (home) => `${home}/.docker/config.json`,
  userEnvironment: ({ home }, host) => cliEnvironment(home, host),
  rootEnvironment: ({ dir, privateHome, userHome, readUserFile }, host) => {
    const dockerConfig = dockerConfigFor(userHome, true, dir, readUserFile);
    return { env: cliEnvironment(privateHome, host, dockerConfig), loginFile: `${dockerConfig}/config.json` };
  },
};
