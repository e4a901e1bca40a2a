/** The environment the docker CLI gets: PATH, the user's real HOME and docker config dir, and the admin's DOCKER_HOST. */
export function cliEnvironment(
  home: string,
  dockerHost: string | undefined,
  dockerConfig = `${home}/.docker`,
): Record<string, string> {
  const env: Record<string, string> = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: home,
    DOCKER_CONFIG: dockerConfig,
    LANG: 'C.UTF-8',
  };
  if (dockerHost) env.DOCKER_HOST = dockerHost;
  return env;
}
