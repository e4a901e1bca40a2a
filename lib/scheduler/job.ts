/**
 * What a scheduler knows of one dispatched job element, scheduler-neutral: the input from which
 * an adapter (scheduler/lsf/, later scheduler/slurm/) writes the environment the job sees.
 */
export interface DispatchedJob {
  id: number;
  /** 0 for a job that is no array element. */
  index: number;
  name: string;
  queue: string;
  user: string;
  submitHost: string;
  cluster: string;
  /** The execution hosts and the slots on each. */
  hosts: Array<{ host: string; slots: number }>;
  submitDir: string;
  execDir: string;
  /** The /bin/sh job file holding the command. */
  jobFile: string;
  tmpdir: string;
  /** The resource request as submitted (-R), if any. */
  resourceRequest?: string;
  /** The scheduler's own selection when nothing was asked (LSF: select[type == local] ...). */
  defaultSelection: string;
  /** The GPUs allocated (device indexes); empty for a job without GPUs. */
  gpus: number[];
  interactive: boolean;
  app?: string;
  outFile?: string;
  errFile?: string;
}
