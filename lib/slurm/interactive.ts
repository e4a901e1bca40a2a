import { exitStatus } from '../kernel/signals.js';
import { schedulerFailed } from '../scheduler/slurm/client.js';
import { classifySrunLine, mayBeSrunLine } from '../scheduler/slurm/srun-output.js';
import { err, type SlurmSide } from './context.js';

/**
 * srun's stderr, read as bsub -I shows it: srun's own lines become LSF's messages (`Job <N> is
 * submitted to queue <P>.`, `<<Waiting for dispatch ...>>`, `<<Starting on NODE>>`) or vanish;
 * everything else is the job's own stderr, passed on as it comes (a partial line is held only
 * while it may still turn out to be one of srun's).
 */
export class SrunStderr {
  private held = '';
  jobId?: number;
  started = false;
  lastError = '';

  constructor(
    private readonly partition: string | undefined,
    private readonly write: (text: string) => void,
  ) {}

  push(chunk: string): void {
    const lines = (this.held + chunk).split('\n');
    this.held = lines.pop()!;
    for (const line of lines) this.line(line);
    if (this.held !== '' && !mayBeSrunLine(this.held)) {
      this.write(this.held);
      this.held = '';
    }
  }

  end(): void {
    if (this.held !== '') this.line(this.held, '');
    this.held = '';
  }

  private submitted(jobId: number) {
    if (this.jobId !== undefined) return;
    this.jobId = jobId;
    this.write(
      `Job <${jobId}> is submitted to queue <${this.partition ?? 'default'}>.\n<<Waiting for dispatch ...>>\n`,
    );
  }

  private line(line: string, newline = '\n'): void {
    const c = classifySrunLine(line);
    if (c.kind === 'queued') this.submitted(c.jobId);
    else if (c.kind === 'allocated') {
      this.submitted(c.jobId);
      this.started = true;
      this.write(`<<Starting on ${c.nodes}>>\n`);
    } else if (c.kind === 'show') {
      // srun's own errors before the job runs end bsub with one line of its own (229).
      if (line.startsWith('srun: ') && !this.started) this.lastError = line;
      else this.write(`${line}${newline}`);
    }
  }
}

/** srun's argv with -v (its allocation line names the job id), keeping everything else. */
export const verboseSrun = (argv: readonly string[]) => [argv[0]!, '-v', ...argv.slice(1)];

/**
 * bsub -I/-Ip/-Is on Slurm: srun with the terminal. The terminal's SIGINT reaches srun itself (the
 * same process group); a SIGTERM or SIGHUP to bsub is handed to srun, which ends the job step.
 */
export async function runInteractive(
  side: SlurmSide,
  srunArgv: readonly string[],
  env: Record<string, string>,
  partition: string | undefined,
): Promise<number> {
  const stderr = new SrunStderr(partition, err);
  const child = side.client.spawnAttached(verboseSrun(srunArgv), env);
  const relay = (signal: NodeJS.Signals) => () => child.kill(signal);
  const handlers: Array<[NodeJS.Signals, () => void]> = [
    ['SIGINT', () => {}],
    ['SIGTERM', relay('SIGTERM')],
    ['SIGHUP', relay('SIGHUP')],
  ];
  for (const [s, h] of handlers) process.on(s, h);
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => stderr.push(chunk));
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.on('error', (e) => reject(schedulerFailed('srun', `cannot run srun: ${e.message}`)));
      child.on('close', (c, s) => resolve([c, s]));
    });
    stderr.end();
    const status = exitStatus(code, signal);
    if (!stderr.started && status !== 0)
      throw schedulerFailed(
        'srun',
        `${stderr.lastError.replace(/^srun: (error: )?/, '') || 'the job did not start'} (exit ${status})`,
      );
    return status;
  } finally {
    for (const [s, h] of handlers) process.off(s, h);
  }
}
