import { failureOf } from '../kernel/failure.js';
import { flushLogs } from '../kernel/log/logger.js';

/**
 * Runs a program's main function and turns its outcome into an exit status: a number returned
 * is the status; a WrapperError becomes "program: message" on stderr and its code; anything
 * else is a bug, reported as one line with INTERNAL.
 */
export async function runProgram(name: string, main: (argv: string[]) => Promise<number>): Promise<void> {
  let status: number;
  try {
    status = await main(process.argv.slice(2));
    await flushLogs();
  } catch (err) {
    await flushLogs();
    const failure = failureOf(name, err, Boolean(process.env.LSF_DOCKER_TRACE));
    process.stderr.write(failure.text);
    status = failure.status;
  }
  process.exitCode = status;
}
