import { LABEL } from '../../../kernel/labels.js';
import type { BodySection } from './section.js';

/**
 * The container itself (argv: containerArgs): removed by the daemon when it ends (--rm), its
 * cidfile named as the CLI names it (the wrapper writes the id there itself), its hostname,
 * labelled with its job and private dir. The name is the create call's query, not the body.
 */
export const containerBody: BodySection = (spec, files) => ({
  config: {
    Hostname: spec.network.hostname,
    Labels: Object.fromEntries([...spec.labels, [LABEL.dir, files.dir]]),
  },
  host: { AutoRemove: true, ContainerIDFile: files.cidfile },
});
