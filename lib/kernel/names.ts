/**
 * The names lsf-docker gives what it creates, one place: the container, the wrapper's private dir
 * for a job, and the local LSF's host state dir. Pure.
 */

/**
 * The container of job ID[INDEX] started by the wrapper with pid PID (RIS's lsf_<jobid>_<pid>,
 * with the index so that array elements on one host differ); `lsf_local_<pid>` outside a scheduler.
 */
export function containerName(job: { id?: number | string; index: number }, pid: number): string {
  const tag = job.id !== undefined ? `${job.id}_${job.index}` : 'local';
  return `lsf_${tag}_${pid}`;
}

/** Every private dir's name starts so: `lsf-docker.<uid>.<six random characters>` (mkdtemp). */
export const PRIVATE_PREFIX = 'lsf-docker.';
/** The name mkdtemp gives a private dir, with the owner's uid in group 1. */
export const PRIVATE_DIR_NAME = /^lsf-docker\.(\d+)\.[A-Za-z0-9]{6}$/;
/** The mkdtemp template of a private dir of UID under TMP_ROOT. */
export const privateDirTemplate = (tmpRoot: string, uid: number) => `${tmpRoot}/${PRIVATE_PREFIX}${uid}.`;
/** The private dir a dry run names (nothing is created there). */
export const dryRunDir = (tmpRoot: string, uid: number) => `${tmpRoot}/${PRIVATE_PREFIX}${uid}.DRYRUN`;
/** The file in a private dir that tells sweep whose it is. */
export const OWNER_FILE = 'owner.json';

/** The local LSF's host-wide state dir under [paths] tmp_root (when [local] state_dir is not set). */
export const LOCAL_HOST_DIR = 'lsf-docker.host';
