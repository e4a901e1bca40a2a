import type { PlainRuns } from '../kernel/env-entries.js';
import type { HostEntry } from '../kernel/grammar/host.js';
import type { ImageRef } from '../kernel/grammar/image.js';
import type { PortSpec } from '../kernel/grammar/port.js';
import type { VolumeSpec } from '../kernel/grammar/volume.js';
import type { LogLevel } from '../kernel/log/levels.js';

/** What the LSF job asks for, parsed from its environment and command line. Nothing here is trusted yet. */
export interface JobRequest {
  /** The image as the job named it (after alias resolution in policy). */
  imageText: string;
  imageVariable: string;
  image: ImageRef;
  /** LSB_CONTAINER_IMAGE_DIGEST: the digest esub.docker pinned the image at ([images] pin_digest). */
  imageDigest?: string;
  /** The job's command words as LSF handed them over. */
  command: string[];
  /** LSF_DOCKER_RUN_RAW_ARGS=1 with the LSB_DOCKER_PLACE_HOLDER command: the image's own CMD/ENTRYPOINT. */
  rawArgs: boolean;
  entrypoint?: string;
  workdir?: string;
  volumes: VolumeSpec[];
  network?: string;
  ipc?: string;
  shmSize?: number;
  ports: PortSpec[];
  addHosts: HostEntry[];
  addHostFiles: string[];
  envFiles: string[];
  cgroupParent?: string;
  /** LSF_DOCKER_PRESERVE_ENVIRONMENT; undefined means the admin default. */
  preserveEnvironment?: boolean;
  logLevel?: LogLevel;
  job: LsfJob;
  /** The job's whole environment, as received (filtered later). */
  env: Record<string, string>;
  /** The same variables as NAME=value entries in their order, each name once, made when first asked for (the environment rule enumerates these). */
  variables?: () => ReadonlyArray<string>;
  /** The launcher's native env-file lines of the same variables (with the addon), which the environment rule takes when it can. */
  plainRuns?: PlainRuns;
}

/** The LSF facts about the job that the wrapper uses, typed (lib/scheduler/lsf/facts.ts reads them). */
export interface LsfJob {
  /** LSB_JOBID, or undefined outside LSF (a direct call). */
  id?: number;
  /** LSB_JOBINDEX; 0 when not an array job. */
  index: number;
  name?: string;
  queue?: string;
  /** Slots on this host, from LSB_MCPU_HOSTS (or LSB_HOSTS); at least 1. */
  slots: number;
  /** The submission directory (LS_SUBCWD), else the process cwd. */
  subcwd: string;
  /** Where subcwd came from, to name it in a refusal: LS_SUBCWD, or the process's cwd. */
  subcwdVariable: 'LS_SUBCWD' | 'cwd';
  /** True for an interactive job (LSB_INTERACTIVE=Y). */
  interactive: boolean;
  /** The leaf name of the job's tmpdir under the job tmp root; undefined outside LSF. */
  tmpdirName?: string;
  /** Host ports the resource request (LSB_EFFECTIVE_RSRCREQ, else LSB_SUB_RES_REQ) reserves. */
  reservedPorts: number[];
  /** GPUs LSF's own effective resource request (LSB_EFFECTIVE_RSRCREQ) asks for; 0 for none. */
  gpusAsked: number;
  /** CUDA_VISIBLE_DEVICES as LSF set it: the allocated GPUs. */
  gpus?: string[];
  /** LSB_JOBFILENAME: the job file LSF wrote. */
  jobFile?: string;
  /** Variables the scheduler's own tools inside the container need. */
  schedulerEnv: Array<[string, string]>;
  /** A Slurm job: Slurm's own job id and cluster (request/scheduler-facts.ts). */
  slurm?: { jobId: number; cluster?: string };
}

/** The words that, as the whole command, mean "no command" to LSF's docker integration. */
export const PLACE_HOLDER = 'LSB_DOCKER_PLACE_HOLDER';
