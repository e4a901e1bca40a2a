/**
 * The Engine API body against the CLI argv, concern by concern: for every job of the table and
 * every section of DOCKER_RUN_SECTIONS, what the docker CLI would send for that section's flags
 * (cli-model.ts, from its recorded requests) equals the API runtime's section of the same name.
 * A change to one generator without the other fails here, naming the concern.
 */
import { renderJobFiles } from '../../../../lib/job/artifacts.js';
import type { ContainerSpec } from '../../../../lib/runtime/container-spec.js';
import { DOCKER_RUN_SECTIONS, dockerRunArgv } from '../../../../lib/runtime/docker/argv/run.js';
import { API_CREATE_SECTIONS, createBody } from '../../../../lib/runtime/docker-api/body/run.js';
import type { BodyPart } from '../../../../lib/runtime/docker-api/body/types.js';
import { FILES } from '../../helpers/fixtures.js';
import { asBody, cliBody, withoutZeros } from './cli-model.js';
import { JOBS, specOf } from './jobs.js';

type Concern = keyof typeof DOCKER_RUN_SECTIONS;
const CONCERNS = Object.keys(DOCKER_RUN_SECTIONS) as Concern[];

/** What the CLI sends for a concern whatever the flags: the attached output streams, the default network. */
const CLI_DEFAULTS: Partial<Record<Concern, BodyPart>> = {
  process: { config: { AttachStdout: true, AttachStderr: true } },
  network: { host: { NetworkMode: 'default' } },
};

function cliSection(concern: Concern, spec: ContainerSpec): BodyPart {
  const parsed = cliBody(DOCKER_RUN_SECTIONS[concern](spec, FILES), renderJobFiles(spec));
  const defaults = CLI_DEFAULTS[concern] ?? {};
  return {
    config: { ...defaults.config, ...parsed.config },
    host: { ...defaults.host, ...parsed.host },
  };
}

const specs = Object.entries(JOBS).map(([name, job]) => [name, specOf(job)] as const);

describe('every concern of the create body says what the CLI says for its argv section', () => {
  test('the API has exactly the argv sections', () => {
    expect(Object.keys(API_CREATE_SECTIONS).sort()).toEqual([...CONCERNS].sort());
  });

  describe.each(specs)('%s', (_name, spec) => {
    test.each(CONCERNS)('%s', (concern) => {
      const api = asBody(API_CREATE_SECTIONS[concern](spec, FILES));
      expect(withoutZeros(api)).toEqual(withoutZeros(asBody(cliSection(concern, spec))));
    });

    test('the whole body is the CLI reading of the whole argv', () => {
      const cli = cliBody(dockerRunArgv(spec, FILES), renderJobFiles(spec));
      const expected = asBody({
        config: { AttachStdout: true, AttachStderr: true, ...cli.config },
        host: { NetworkMode: 'default', ...cli.host },
      });
      expect(withoutZeros(createBody(spec, FILES))).toEqual(withoutZeros(expected));
    });
  });

  test('sections do not set the same field (the merge order does not matter)', () => {
    for (const [, spec] of specs) {
      const seen = new Map<string, Concern>();
      for (const concern of CONCERNS) {
        const part = API_CREATE_SECTIONS[concern](spec, FILES);
        const keys = [
          ...Object.keys(part.config ?? {}).map((k) => `Config.${k}`),
          ...Object.keys(part.host ?? {}).map((k) => `HostConfig.${k}`),
        ];
        for (const k of keys) {
          expect([k, seen.get(k) ?? concern]).toEqual([k, concern]);
          seen.set(k, concern);
        }
      }
    }
  });
});

describe('values the daemon reads differently when empty', () => {
  test('no entrypoint and no command: absent, so that the image keeps its own', () => {
    const body = createBody(specOf(JOBS['raw args: no script, no command, no entrypoint']!), FILES);
    expect(body).not.toHaveProperty('Entrypoint');
    expect(body).not.toHaveProperty('Cmd');
    expect(body.HostConfig.Mounts?.map((m) => m.Target)).not.toContain('/lsf-docker/job.sh');
  });

  test('capabilities with the CAP_ prefix, sorted, as the CLI sends them; everything else dropped', () => {
    const body = createBody(specOf(JOBS['plain job']!), FILES);
    expect(body.HostConfig.CapDrop).toEqual(['ALL']);
    expect(body.HostConfig.CapAdd).toEqual([
      'CAP_CHOWN',
      'CAP_IPC_LOCK',
      'CAP_KILL',
      'CAP_SETPCAP',
      'CAP_SYS_NICE',
    ]);
    expect(body.HostConfig.SecurityOpt?.[0]).toBe('no-new-privileges');
  });

  test("the environment is the env-file, line for line, values taken literally, then tini's", () => {
    const spec = specOf(JOBS['environment kept and dropped, env file']!);
    const body = createBody(spec, FILES);
    const lines = renderJobFiles(spec)
      .env.split('\n')
      .filter((l) => l !== '');
    // The env-file's lines, then what --init reads (the CLI's --env comes after the file).
    expect(body.Env).toEqual([...lines, 'TINI_KILL_PROCESS_GROUP=1']);
    expect(body.Env).toContain('SPACES=  two  words ');
    expect(body.Env?.some((e) => e.startsWith('MULTI='))).toBe(false);
  });

  test('a port range is published port by port', () => {
    const body = createBody(
      specOf(JOBS['volumes, workdir, ports, bridge network, shareable ipc, shm size, extra hosts']!),
      FILES,
    );
    expect(body.HostConfig.PortBindings).toEqual({
      '8080/tcp': [{ HostIp: '', HostPort: '8080' }],
      '80/udp': [{ HostIp: '', HostPort: '8998' }],
      '81/udp': [{ HostIp: '', HostPort: '8999' }],
    });
    expect(Object.keys(body.ExposedPorts ?? {}).sort()).toEqual(['80/udp', '8080/tcp', '81/udp']);
  });
});
