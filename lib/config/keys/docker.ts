import { type KeyDef, key, section } from '../key-def.js';
import { binary, dockerHost, int, oneOf, seconds } from '../parsers.js';

/** [docker]: the container runtime CLI: engine, binary, daemon, timeouts, pulls. */
export interface DockerConfig {
  /** Which runtime speaks to the CLI: docker, or podman (lib/runtime/podman). */
  engine: 'docker' | 'podman';
  /** How docker_run talks to the docker daemon for the job: the Engine API over its unix socket, or the CLI. */
  transport: 'api' | 'cli';
  binary: string;
  host: string | undefined;
  timeout: number;
  pull: 'always' | 'missing' | 'never';
  pullTimeout: number;
  pullRetries: number;
  pullBackoff: number;
}

export const dockerDefaults = (): DockerConfig => ({
  engine: 'docker',
  transport: 'api',
  binary: 'docker',
  host: undefined,
  timeout: 60,
  pull: 'missing',
  pullTimeout: 1800,
  pullRetries: 3,
  pullBackoff: 2,
});

/** `engine = podman` without a `binary` of its own runs `podman`, not `docker`. */
function setEngine(s: DockerConfig, engine: DockerConfig['engine']): void {
  if (s.binary === s.engine) s.binary = engine;
  s.engine = engine;
}

export const DOCKER_KEYS: KeyDef[] = section<DockerConfig>('docker', [
  key('engine', oneOf('docker', 'podman'), setEngine),
  key('transport', oneOf('api', 'cli'), (s, v) => (s.transport = v)),
  key('binary', binary, (s, v) => (s.binary = v)),
  key('host', dockerHost, (s, v) => (s.host = v)),
  key('timeout', seconds(3600), (s, v) => (s.timeout = v)),
  key('pull', oneOf('always', 'missing', 'never'), (s, v) => (s.pull = v)),
  key('pull_timeout', seconds(86400), (s, v) => (s.pullTimeout = v)),
  key('pull_retries', int(0, 10), (s, v) => (s.pullRetries = v)),
  key('pull_backoff', seconds(600), (s, v) => (s.pullBackoff = v)),
]);
