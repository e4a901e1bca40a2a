/**
 * Integration-test global teardown: nothing destructive. The install prefix, the images, the
 * registry, the daemon and the users stay for the next run (provisioning is idempotent); each test
 * file removes its own containers and directories (see helpers/workspace.ts and helpers/docker.ts).
 */
export default async function globalTeardown(): Promise<void> {}
