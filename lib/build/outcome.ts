/** Keeps the last `size` characters of a stream (to read the failing step from the build output). */
export class Tail {
  private text = '';
  constructor(private readonly size = 64 * 1024) {}
  push(chunk: Buffer | string): void {
    this.text = (this.text + chunk.toString()).slice(-this.size);
  }
  toString(): string {
    return this.text;
  }
}

/**
 * The step a failed build stopped at, read from its output: the classic builder's last
 * "Step N/M : INSTRUCTION" line, or BuildKit's "> [stage N/M] INSTRUCTION:" error block.
 */
export function failingStep(output: string): string | undefined {
  const buildkit = [...output.matchAll(/^\s*> \[([^\]\n]+)\] ([^\n]*?):?\s*$/gm)].at(-1);
  if (buildkit) return `[${buildkit[1]}] ${buildkit[2]}`;
  const classic = [...output.matchAll(/^Step (\d+\/\d+) : ([^\n]*)$/gm)].at(-1);
  if (classic) return `Step ${classic[1]} : ${classic[2]!.trim()}`;
  // podman (buildah): "STEP 2/2: RUN exit 3"
  const podman = [...output.matchAll(/^STEP (\d+\/\d+): ([^\n]*)$/gm)].at(-1);
  return podman ? `STEP ${podman[1]}: ${podman[2]!.trim()}` : undefined;
}

/**
 * The container of the step the classic builder was running last ("---> Running in ID"), if any.
 * Only ever waited for, never acted on: a RUN step can print any text, any container's id too.
 */
export function runningStepContainer(output: string): string | undefined {
  const last = [...output.matchAll(/^ ---> Running in ([0-9a-f]{12,64})$/gm)].at(-1);
  return last?.[1];
}

/** The runtime classifier's reading of what the CLI said (RuntimeClassifier.reason). */
type Reason = (stderr: string) => string;

/** Why the build failed, in one line: the builder's error message (without the CLI's noise). */
export function buildFailureReason(stderr: string, reason: Reason): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^(DEPRECATED:|Install the buildx|https:\/\/docs\.docker\.com)/.test(l));
  const explicit = [...lines]
    .reverse()
    .find((l) => /returned a non-zero code|did not complete successfully|^ERROR:|failed/i.test(l));
  return (explicit ?? reason(lines.join('\n'))).replace(/^(ERROR|Error): /, '').slice(0, 400);
}

/** Why a push failed, in words a user can act on. */
export function pushFailureReason(stderr: string, reasonOf: Reason): string {
  const reason = reasonOf(stderr);
  if (/no basic auth credentials|unauthorized|authentication required/i.test(stderr)) {
    return `the registry refused: not logged in or wrong credentials (log in with LSB_DOCKER_LOGIN_ONLY=1): ${reason}`;
  }
  if (/denied|forbidden/i.test(stderr)) return `the registry refused: ${reason}`;
  return reason;
}

/** The digest a successful push printed ("TAG: digest: sha256:... size: N"). */
export function pushedDigest(stdout: string): string | undefined {
  return /digest: (sha256:[0-9a-f]{64})/.exec(stdout)?.[1];
}
