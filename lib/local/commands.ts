import type { Subcommand } from '../cli/lsf_docker.js';
import { notBuiltYet } from '../cli/program.js';

const notYet =
  (name: string): Subcommand =>
  async () =>
    notBuiltYet('lsf-docker', `lsf-docker ${name}`);

export const bsub = notYet('bsub');
export const bjobs = notYet('bjobs');
export const bkill = notYet('bkill');
export const bpeek = notYet('bpeek');
export const badmin = notYet('badmin');
