/**
 * bsub's esubs: this installation's own in bsub's process (the same protocol files, argv and
 * environment as a process gets), anything else as a process of its own, as LSF runs it.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { isOwnLauncher, isOwnLauncherText } from '../../../lib/kernel/in-process-esub.js';
import { EsubRejected, runEsubs } from '../../../lib/scheduler/lsf/esub-runner.js';

const LAUNCHER = (name: string) =>
  `#!/opt/x/dist/bundle/lsfd-launch esub_docker.cjs\n// ${name}, written by lsf-docker scripts/lib/launchers.sh: the kernel runs it\n`;

describe('which esub is this installation’s own', () => {
  test('the second line the install wrote, for that name only', () => {
    expect(isOwnLauncherText(LAUNCHER('esub.docker'), 'esub.docker')).toBe(true);
    expect(isOwnLauncherText(LAUNCHER('esub.docker_build'), 'esub.docker')).toBe(false);
    expect(isOwnLauncherText('#!/bin/sh\n# my site esub\n', 'esub.docker')).toBe(false);
    expect(
      isOwnLauncherText(`// esub.docker, written by lsf-docker scripts/lib/launchers.sh\n`, 'esub.docker'),
    ).toBe(false);
  });
});

describe('runEsubs', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(`${tmpdir()}/lsfd-esubs-`);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const script = (name: string, text: string) => {
    writeFileSync(`${dir}/${name}`, text);
    chmodSync(`${dir}/${name}`, 0o755);
  };
  const run = (apps: string[], inProcess?: Parameters<typeof runEsubs>[0]['inProcess']) =>
    runEsubs({
      apps: apps.map((name) => ({ name, args: ['arg1'] })),
      esubDir: dir,
      scratchRoot: dir,
      config: '/etc/x.conf',
      parm: new Map([['LSB_SUB_QUEUE', 'normal']]),
      env: { PATH: '/usr/bin:/bin', MINE: 'yes' },
      inProcess,
    });

  test('in process: the same argv and protocol environment; its changes taken; a process esub after it sees them', async () => {
    script('esub.docker', LAUNCHER('esub.docker'));
    // A site's own esub after ours: a process, which sees what ours changed.
    script(
      'esub.site',
      '#!/bin/sh\n. "$LSB_SUB_PARM_FILE"\necho "SITE_SAW=\\"$LSB_SUB_QUEUE $IMAGE_SET\\"" >>"$LSB_SUB_MODIFY_ENVFILE"\n',
    );
    const calls: Array<{ argv: string[]; env: Record<string, string> }> = [];
    const resolver = (program: string, app: string) =>
      app === 'docker' && isOwnLauncher(program, `esub.${app}`)
        ? async (argv: string[], env: Record<string, string>) => {
            calls.push({ argv, env });
            writeFileSync(env.LSB_SUB_MODIFY_FILE!, 'LSB_SUB_QUEUE="short"\n', { flag: 'a' });
            writeFileSync(env.LSB_SUB_MODIFY_ENVFILE!, 'IMAGE_SET="img"\n', { flag: 'a' });
            return 0;
          }
        : undefined;
    const r = await run(['docker', 'site'], resolver);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.argv).toEqual(['--config', '/etc/x.conf', '--', 'arg1']);
    expect(calls[0]!.env).toMatchObject({ MINE: 'yes', LSB_SUB_ABORT_VALUE: '97' });
    expect(calls[0]!.env.LSB_SUB_PARM_FILE).toMatch(/\/parm$/);
    expect(r.parm.get('LSB_SUB_QUEUE')).toBe('short');
    expect(r.env).toMatchObject({ IMAGE_SET: 'img', SITE_SAW: 'short img' });
  });

  test('an admin’s own esub.docker is never run in process; 97 from either rejects; a crash is an internal error', async () => {
    script('esub.docker', '#!/bin/sh\nexit 97\n');
    const resolver = (program: string, app: string) =>
      isOwnLauncher(program, `esub.${app}`) ? async () => 0 : undefined;
    await expect(run(['docker'], resolver)).rejects.toBeInstanceOf(EsubRejected);
    script('esub.docker', LAUNCHER('esub.docker'));
    await expect(run(['docker'], () => async () => 97)).rejects.toBeInstanceOf(EsubRejected);
    const crashed = await run(['docker'], () => async () => {
      throw new Error('boom');
    });
    expect(crashed.parm.get('LSB_SUB_QUEUE')).toBe('normal');
  });
});
