/** Everything `docker run` will be given, decided and checked. The argv builder maps it 1:1. */
export interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
  propagation?: string;
  /** Why it is there, for the DEBUG log and the dry-run. */
  origin: 'cwd' | 'tmpdir' | 'admin' | 'user' | 'wrapper' | 'jobfile';
}

export interface RunPlan {
  image: string;
  /** Whether to pull first: always, only when missing, or never. */
  pull: 'always' | 'missing' | 'never';
  uid: number;
  gid: number;
  groups: number[];
  name: string;
  hostname: string;
  labels: Array<[string, string]>;
  workdir: string;
  mounts: Mount[];
  /** Environment for the env-file, in order. */
  env: Array<[string, string]>;
  capAdd: string[];
  selinuxLabels: string[];
  pidsLimit: number;
  network?: string;
  ipc?: string;
  shmSize?: number;
  ports: string[];
  addHosts: string[];
  cgroupParent?: string;
  cpuShares: number;
  memory?: number;
  memorySwap?: number | -1;
  ulimits: string[];
  devices: string[];
  /** The value of --gpus, if any. */
  gpus?: string;
  interactive: boolean;
  tty: boolean;
  entrypoint?: string;
  command: string[];
  /** The job script's text; undefined when the image's own command runs (raw args) or a job file runs. */
  script?: string;
  passwd: string;
  group: string;
  /** Policy decisions, for the DEBUG log. */
  decisions: string[];
}

/** Paths inside the container that the wrapper itself uses. */
export const CONTAINER_SCRIPT = '/lsf-docker/job.sh';
export const CONTAINER_DIR = '/lsf-docker';
