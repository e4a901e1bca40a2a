import type { Subcommand } from '../cli/lsf_docker.js';
import { notBuiltYet } from '../cli/program.js';

export const sweepCommand: Subcommand = async () => notBuiltYet('lsf-docker', 'lsf-docker sweep');
