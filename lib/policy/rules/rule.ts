import type { Config } from '../../config/schema.js';
import type { Identity } from '../../host/identity.js';
import type { HostProbe } from '../../host/probe.js';

/** What a rule may consult besides the request: the admin's config, the user, and the host (read only). */
export interface RuleContext {
  config: Config;
  identity: Identity;
  probe: HostProbe;
}

/** One refusal: the variable it names and the rule it broke (exit 213 unless CODE says otherwise). */
export interface Problem {
  variable: string;
  message: string;
  code?: number;
}

/** A rule's answer: its part of the spec with what it decided, or every problem it found. */
export type Ruling<T> = { ok: true; part: T; decisions: string[] } | { ok: false; problems: Problem[] };

/** The ruling for PART: refused when any problem was found. */
export function ruling<T>(part: T, decisions: string[], problems: Problem[]): Ruling<T> {
  return problems.length > 0 ? { ok: false, problems } : { ok: true, part, decisions };
}

/** Collects a rule's problems as it goes. */
export class Findings {
  readonly problems: Problem[] = [];
  readonly decisions: string[] = [];
  refuse(variable: string, message: string): void {
    this.problems.push({ variable, message });
  }
  /** A refusal with its own exit code (e.g. 228, limits the runtime cannot enforce). */
  refuseWith(code: number, variable: string, message: string): void {
    this.problems.push({ variable, message, code });
  }
  decide(decision: string): void {
    this.decisions.push(decision);
  }
  /** Takes over what another rule found: its part and decisions, or its problems (and no part). */
  take<T>(other: Ruling<T>): T | undefined {
    if (other.ok) {
      this.decisions.push(...other.decisions);
      return other.part;
    }
    this.problems.push(...other.problems);
    return undefined;
  }
  ruling<T>(part: T): Ruling<T> {
    return ruling(part, this.decisions, this.problems);
  }
}
