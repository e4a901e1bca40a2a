import { DockerControl } from '../docker/control.js';
import type { ControlResult, RuntimeClassifier, RuntimeExec } from '../types.js';
import { type EngineClient, errorMessage } from './client.js';
import type { HttpRequest } from './http.js';

/** An API answer as a control result: 2xx done; a container that is not there (404) or not running (409) is absent. Pure. */
export function apiControlResult(status: number, text: string): ControlResult {
  if (status >= 200 && status < 300) return { ok: true };
  const message = errorMessage(text, status);
  const absent = status === 404 || (status === 409 && /is not running/i.test(message));
  return { ok: false, absent, message };
}

/** The OOM events query of TARGET between SINCE and UNTIL (Unix seconds). Pure. */
export function oomEventsPath(target: string, since: number, until: number): string {
  const filters = encodeURIComponent(JSON.stringify({ container: [target], event: ['oom'] }));
  return `/events?since=${since}&until=${until}&filters=${filters}`;
}

/** Whether the events stream TEXT (one JSON object per line) holds an OOM event. Pure. */
export function hasOomEvent(text: string): boolean {
  return text.split('\n').some((line) => {
    try {
      const e = JSON.parse(line) as { status?: unknown; Action?: unknown };
      return e.status === 'oom' || e.Action === 'oom';
    } catch {
      return false;
    }
  });
}

/** One job's container through the Engine API: by the id in the cidfile, or by its unique name before that. */
export class ApiControl extends DockerControl {
  constructor(
    private readonly client: EngineClient,
    exec: RuntimeExec,
    classify: RuntimeClassifier,
    name: string,
    cidfile: string,
  ) {
    super(exec, classify, name, cidfile);
  }

  override signal(signal: string) {
    return this.api({
      method: 'POST',
      path: `/containers/${this.target()}/kill?signal=${encodeURIComponent(signal)}`,
    });
  }

  override pause() {
    return this.api({ method: 'POST', path: `/containers/${this.target()}/pause` });
  }

  override resume() {
    return this.api({ method: 'POST', path: `/containers/${this.target()}/unpause` });
  }

  override remove(): Promise<ControlResult> {
    return removeContainer(this.client, this.target());
  }

  override async wasOomKilled(sinceMs: number): Promise<boolean> {
    const since = Math.floor(sinceMs / 1000) - 1;
    const until = Math.ceil(Date.now() / 1000);
    try {
      const answer = await this.client.call({
        method: 'GET',
        path: oomEventsPath(this.target(), since, until),
      });
      return answer.status === 200 && hasOomEvent(answer.text);
    } catch {
      return false;
    }
  }

  private api(req: HttpRequest): Promise<ControlResult> {
    return controlCall(this.client, req);
  }
}

/** A control call through CLIENT: its result, or a failure naming why the daemon did not answer. */
export async function controlCall(client: EngineClient, req: HttpRequest): Promise<ControlResult> {
  try {
    const answer = await client.call(req);
    return apiControlResult(answer.status, answer.text);
  } catch (err) {
    return { ok: false, absent: false, message: (err as Error).message };
  }
}

/** Kills at once and removes the container TARGET with its anonymous volumes (docker rm --force --volumes). */
export function removeContainer(client: EngineClient, target: string): Promise<ControlResult> {
  return controlCall(client, { method: 'DELETE', path: `/containers/${target}?force=1&v=1` });
}
