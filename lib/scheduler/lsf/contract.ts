/**
 * The LSF job contract: every LSB_* / LS_* name the programs read or write, one table each for
 * the three surfaces LSF has, with who writes the name, who reads it, and what it means.
 * - JOB_ENV: the job's environment as sbatchd sets it on the execution host (the local LSF plays
 *   sbatchd in local/job-env.ts through `lsfJobEnvironment`; request/ and policy read it).
 * - SUBMISSION: the LSB_SUB_* parameters of a submission, as bsub writes them into the esubs'
 *   parameter file (scheduler/lsf/submission.ts) and the esubs may change them (esub/).
 * - ESUB_ENV: the variables of the esub protocol itself (scheduler/lsf/esub-protocol.ts).
 * Code names a variable by its key (`'LSB_JOBID' satisfies JobVariable`), so a typo does not compile.
 */

export interface ContractEntry {
  /** Who sets the name. */
  writer: string;
  /** Who reads it (module paths under lib/, or "the job" for the job's own use). */
  readers: string;
  meaning: string;
}

const entry = (writer: string, readers: string, meaning: string): ContractEntry => ({
  writer,
  readers,
  meaning,
});

const SBATCHD = 'LSF (sbatchd) at dispatch; local/job-env.ts plays it';
const NOT_LOCAL = 'LSF (sbatchd); the local LSF does not set it, only drops a submitted value';

/** The job's environment: each name LSF sets for the job, so a submitted value never survives. */
export const JOB_ENV = {
  LSB_JOBID: entry(SBATCHD, 'request/lsf-job, policy/rules/environment, build/root-session', 'the job id'),
  LSB_JOBINDEX: entry(SBATCHD, 'request/lsf-job', 'the array index; 0 for a job that is no array element'),
  LSB_JOBNAME: entry(SBATCHD, 'request/lsf-job', 'the job name (-J; default the command line)'),
  LSB_QUEUE: entry(SBATCHD, 'request/lsf-job', 'the queue the job runs in'),
  LSB_HOSTS: entry(SBATCHD, 'scheduler/lsf/facts (slots)', 'the execution hosts, one name per slot'),
  LSB_MCPU_HOSTS: entry(
    SBATCHD,
    'scheduler/lsf/facts (slots)',
    '"hostA n1 hostB n2": hosts and slots on each',
  ),
  LSB_DJOB_NUMPROC: entry(SBATCHD, 'the job', 'the number of slots of the job'),
  LSB_MAX_NUM_PROCESSORS: entry(SBATCHD, 'the job', 'the maximum number of slots asked (-n)'),
  LS_SUBCWD: entry(SBATCHD, 'request/lsf-job (the container workdir)', 'the submission directory'),
  LS_EXECCWD: entry(SBATCHD, 'the job', 'the directory the job runs in'),
  LSB_JOBFILENAME: entry(SBATCHD, 'request/lsf-job', 'the job file (/bin/sh script of the command)'),
  LSB_SUB_HOST: entry(SBATCHD, 'the job', 'the host the job was submitted from'),
  LSB_EXEC_CLUSTER: entry(SBATCHD, 'the job', 'the cluster the job runs in'),
  LSB_JOB_EXECUSER: entry(SBATCHD, 'the job', 'the user the job runs as'),
  LSB_BATCH_JID: entry(SBATCHD, 'the job', 'ID, or ID[INDEX] for an array element'),
  LSB_EFFECTIVE_RSRCREQ: entry(
    SBATCHD,
    'request/lsf-job (ports, GPUs asked)',
    'the effective resource request, with the GPU allocation in it; always set',
  ),
  LSB_SUB_RES_REQ: entry(SBATCHD, 'request/lsf-job (ports)', 'the -R string as submitted'),
  LSB_INTERACTIVE: entry(
    SBATCHD,
    'request/lsf-job, programs/docker_exec',
    "'Y' for an interactive (-I*) job",
  ),
  LSB_APPLICATION_NAME: entry(SBATCHD, 'the job', 'the application profile (-app)'),
  LSB_OUTPUTFILE: entry(SBATCHD, 'the job', 'the -o file'),
  LSB_ERRORFILE: entry(SBATCHD, 'the job', 'the -e file'),
  TMPDIR: entry(SBATCHD, 'the job', 'the job tmpdir (LSB_SET_TMPDIR=y): <job tmp root>/<ID[_INDEX]>.tmpdir'),
  CUDA_VISIBLE_DEVICES: entry(
    `${SBATCHD}, for a job with GPUs`,
    'request/lsf-job (trusted only with ngpus in LSB_EFFECTIVE_RSRCREQ)',
    'the GPUs allocated: indexes or UUIDs, comma separated',
  ),
  LS_JOBPID: entry(NOT_LOCAL, 'the job', 'the pid of the job'),
  LSB_JOBID_STR: entry(NOT_LOCAL, 'the job', 'the job id as a string (64-bit ids)'),
  LSB_JOB_STARTER: entry(NOT_LOCAL, 'the job', 'the job starter of the queue'),
} as const satisfies Record<string, ContractEntry>;
export type JobVariable = keyof typeof JOB_ENV;

/** True for a name LSF sets for the job itself: dropped from the submitted environment, then set fresh. */
export const isJobVariable = (name: string): name is JobVariable => Object.hasOwn(JOB_ENV, name);

const BSUB = 'bsub (scheduler/lsf/submission.ts), before the esubs';
const ESUBS_MAY = 'the esubs may change it (LSB_SUB_MODIFY_FILE); scheduler/lsf/submission.ts reads it back';

/** The submission's parameters (the esubs' parameter file, LSB_SUB_PARM_FILE). */
export const SUBMISSION = {
  LSB_SUB_QUEUE: entry(BSUB, ESUBS_MAY, '-q'),
  LSB_SUB_APP_NAME: entry(`${BSUB}; esub/decide sets it`, ESUBS_MAY, '-app: the application profile'),
  LSB_SUB_USER_GROUP: entry(BSUB, ESUBS_MAY, '-G'),
  LSB_SUB_JOB_NAME: entry(BSUB, ESUBS_MAY, '-J'),
  LSB_SUB_OUT_FILE: entry(BSUB, ESUBS_MAY, '-o / -oo'),
  LSB_SUB2_OVERWRITE_OUT_FILE: entry(BSUB, ESUBS_MAY, "'Y' for -oo"),
  LSB_SUB_ERR_FILE: entry(BSUB, ESUBS_MAY, '-e / -eo'),
  LSB_SUB2_OVERWRITE_ERR_FILE: entry(BSUB, ESUBS_MAY, "'Y' for -eo"),
  LSB_SUB_RES_REQ: entry(BSUB, ESUBS_MAY, '-R, the values joined by a space'),
  LSB_SUB_NUM_PROCESSORS: entry(BSUB, ESUBS_MAY, '-n: the slots asked'),
  LSB_SUB_MAX_NUM_PROCESSORS: entry(BSUB, 'the esubs', '-n: the most slots asked'),
  LSB_SUB_RLIMIT_RSS: entry(BSUB, ESUBS_MAY, '-M in KB'),
  LSB_SUB_INTERACTIVE: entry(BSUB, 'the esubs', "'Y' for -I, -Ip, -Is"),
  LSB_SUB_PTY: entry(BSUB, 'the esubs', "'Y' for -Ip and -Is"),
  LSB_SUB_PTY_SHELL: entry(BSUB, 'the esubs', "'Y' for -Is"),
  LSB_SUB4_GPU_REQ: entry(BSUB, ESUBS_MAY, '-gpu'),
  LSB_SUB_CWD: entry(BSUB, ESUBS_MAY, '-cwd'),
  LSB_SUB_ADDITIONAL: entry(BSUB, 'esub/run, esub/decide (the -a arguments)', 'the -a value: app(args) ...'),
  LSB_SUB_COMMAND_LINE: entry(
    `${BSUB}, when LSB_SUB_COMMANDNAME=Y`,
    ESUBS_MAY,
    'the command line; a changed one replaces the command',
  ),
  LSB_SUB_HOST: entry(BSUB, 'the esubs', 'the submission host'),
} as const satisfies Record<string, ContractEntry>;
export type SubmissionParameter = keyof typeof SUBMISSION;

/** The esub protocol's own variables, in each esub's environment. */
export const ESUB_ENV = {
  LSB_SUB_PARM_FILE: entry(
    'LSF (scheduler/lsf/esub-runner.ts)',
    'esub/run',
    'the parameter file (SUBMISSION, NAME="value" lines)',
  ),
  LSB_SUB_MODIFY_FILE: entry(
    'LSF (scheduler/lsf/esub-runner.ts)',
    'esub/run writes it',
    'where an esub writes changed parameters',
  ),
  LSB_SUB_MODIFY_ENVFILE: entry(
    'LSF (scheduler/lsf/esub-runner.ts)',
    'esub/run writes it',
    'where an esub writes variables to add to the job environment',
  ),
  LSB_SUB_ABORT_VALUE: entry(
    'LSF (scheduler/lsf/esub-runner.ts)',
    'esub/run (scheduler/lsf/esub-protocol abortValue)',
    'the exit status that rejects the submission (97)',
  ),
  LSB_ESUB_METHOD: entry(
    'the submitter or the admin (lsf.conf)',
    'scheduler/lsf/esub-runner (esubOrder)',
    'mandatory esubs',
  ),
  LSB_SUB_COMMANDNAME: entry(
    'the admin (lsf.conf)',
    'scheduler/lsf/submission',
    "'Y': the esubs see the command line",
  ),
} as const satisfies Record<string, ContractEntry>;
export type EsubVariable = keyof typeof ESUB_ENV;
