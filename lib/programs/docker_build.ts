import { dockerBuild } from '../build/docker-build.js';
import { parseProgramArgs } from '../kernel/program-args.js';

const USAGE = `Usage: docker_build [--config FILE] [--] [docker build options] CONTEXT

Builds an image as an LSF job (bsub -a 'docker_build(TAG)' -- ... CONTEXT) and pushes
every tag: LSB_DOCKER_BUILD_TAG (the esub's tag) and each --tag/-t. docker build options
pass through within the admin's policy; CONTEXT (a directory, a git URL or a tarball URL)
comes last. With LSB_DOCKER_LOGIN_ONLY=1 it only logs in to LSB_DOCKER_LOGIN_SERVER (or
the default registry) as LSB_DOCKER_LOGIN_USER, reading the password from the terminal or
stdin. See docs/user-guide-build.md.`;

const OPTIONS = { 'config FILE': 'admin config (default /etc/lsf-docker/lsf-docker.conf)' };

/** docker_build: its own options, then one call of the build service. */
export async function dockerBuildMain(argv: string[]): Promise<number> {
  const args = await parseProgramArgs('docker_build', USAGE, argv, {
    options: OPTIONS,
    foreignOptions: true,
  });
  if (args.exit !== undefined) return args.exit;
  return dockerBuild(args.config, args.command);
}
