import { constants } from 'node:os';
import { Status } from './exit-codes.js';

/** Signals relayed to the container's main process, as LSF's bkill and job control send them. */
export const RELAYED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const;
export type RelayedSignal = (typeof RELAYED_SIGNALS)[number];

/** Signals the job-control commands know by name (bkill -s, job starters), with their numbers on Linux. */
export const SIGNAL_NUMBERS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGUSR2: 12,
  SIGTERM: 15,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
};

/** The number of a signal by name, or undefined for one not in SIGNAL_NUMBERS. */
export const signalNumber = (name: string | null | undefined) => (name ? SIGNAL_NUMBERS[name] : undefined);

/** 128 + the signal's number: the status a shell reports for death by that signal. */
export function signalStatus(signal: string): number {
  return Status.SIGNALLED + (SIGNAL_NUMBERS[signal] ?? 0);
}

/** The signal name for a number (bkill -s 9), or undefined for one not in SIGNAL_NUMBERS. */
export const signalName = (n: number) => Object.entries(SIGNAL_NUMBERS).find(([, v]) => v === n)?.[0];

/** The status of a process that ended with CODE or by SIGNAL (128 + N), as a shell reports it. */
export function exitStatus(code: number | null, signal: string | null): number {
  if (code !== null) return code;
  const number = signal ? (constants.signals as Record<string, number>)[signal] : undefined;
  return Status.SIGNALLED + (number ?? 0);
}

/** A signal as job-control commands take it (bkill -s): 9, KILL or SIGKILL, any case; undefined if unknown. */
export function parseSignal(text: string): string | undefined {
  const upper = text.toUpperCase();
  if (/^\d+$/.test(upper)) return signalName(Number(upper));
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return signalNumber(name) !== undefined ? name : undefined;
}

/** Signals that end a job (what a bkill sends first, and a terminal's hang-up and quit). */
const TERMINATING = new Set(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']);
let helperKilled: string | undefined;

/**
 * Notes that a short helper process (mount, a reader as the user) died of SIGNAL: one sent to the
 * job's process group reaches the helpers the wrapper runs then as well as the wrapper, whose own
 * handler may not have run yet when the helper's failure comes back.
 */
export function noteHelperSignal(signal: string | null | undefined): void {
  if (signal && TERMINATING.has(signal)) helperKilled ??= signal;
}

/** The first terminating signal a helper died of, if one did. */
export const helperSignal = (): string | undefined => helperKilled;
