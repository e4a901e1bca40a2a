import type { CliProfile } from '../types.js';
import { podmanAuthFile, privateAuthFile, rootfulEnvironment, rootlessEnvironment } from './environment.js';

/**
 * podman's CLI for docker_build: rootless with REGISTRY_AUTH_FILE at the user's
 * ~/.config/containers/auth.json (logins last across jobs and hosts); as root for the user, a
 * private HOME and a private copy of that file.
 */
export const PODMAN_PROFILE: CliProfile = {
  loginFile: podmanAuthFile,
  userEnvironment: ({ home, uid }) => rootlessEnvironment(home, uid, podmanAuthFile(home)),
  rootEnvironment: ({ dir, privateHome, userHome, readUserFile }) => {
    const loginFile = privateAuthFile(dir, userHome, readUserFile);
    return { env: rootfulEnvironment(privateHome, loginFile), loginFile };
  },
};
