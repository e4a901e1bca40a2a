import { envFileEntries } from '../../../kernel/env-entries.js';
import type { BodySection } from './section.js';

/**
 * What docker's --init (tini) reads from the container's environment: signals go to the job's
 * whole process group, as LSF signals a job (argv: processArgs' --env).
 */
export const TINI_ENV = 'TINI_KILL_PROCESS_GROUP=1';

/**
 * An init as pid 1 (signalling the job's process group), the pids limit, the job's stdout and stderr attached, its stdin when it is
 * interactive (closed when the wrapper's stdin ends, as `docker run -i` does), a terminal when
 * it has one (argv: processArgs; --sig-proxy=false has no body: the wrapper relays signals).
 */
export const processBody: BodySection = ({ process, resources }) => ({
  config: {
    AttachStdin: process.interactive,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: process.interactive,
    StdinOnce: process.interactive,
    Tty: process.tty,
  },
  host: { Init: process.init, PidsLimit: resources.pidsLimit },
  env: process.init ? [TINI_ENV] : [],
});

/** The environment (argv: the env-file, read by the CLI line by line), the entrypoint, the image and the command. */
export const commandBody: BodySection = ({ image, process }) => {
  const config: ReturnType<BodySection>['config'] = {
    Env: envFileEntries(process.envFile),
    Image: image.ref,
  };
  // Absent, not empty: an empty Entrypoint or Cmd would replace the image's own.
  if (process.entrypoint !== undefined) config.Entrypoint = [process.entrypoint];
  if (process.command.length > 0) config.Cmd = [...process.command];
  return { config };
};
