/**
 * LSF's terminate sequence (bkill without -s, and the end of a run limit): SIGINT, then after the
 * terminate interval (JOB_TERMINATE_INTERVAL, [job] terminate_interval) SIGTERM, then after another
 * interval SIGKILL. One implementation for every place that plays or anticipates it.
 */
export const TERMINATE_SEQUENCE = ['SIGINT', 'SIGTERM', 'SIGKILL'] as const;
export type TerminateSignal = (typeof TERMINATE_SEQUENCE)[number];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends the sequence through SEND, INTERVAL seconds apart; stops early when STOPPED() turns true
 * (the job ended), checked before each signal.
 */
export async function terminate(
  send: (signal: TerminateSignal) => void,
  intervalSeconds: number,
  stopped: () => boolean = () => false,
  wait: (ms: number) => Promise<unknown> = sleep,
): Promise<void> {
  for (const signal of TERMINATE_SEQUENCE) {
    if (stopped()) return;
    send(signal);
    if (signal !== 'SIGKILL') await wait(intervalSeconds * 1000);
  }
}

/**
 * Seconds after SIGTERM at which the wrapper removes a container that is still running: one
 * second (at most half the interval) before LSF's SIGKILL would arrive, so nothing outlives the job.
 */
export function escalationDelay(terminateInterval: number): number {
  return Math.max(0.2, terminateInterval - Math.min(1, terminateInterval / 2));
}
