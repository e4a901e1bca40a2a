/**
 * The layer rule of lib/ (docs/architecture.md): a module imports only modules of its own layer
 * or of a layer below it; no cycles; programs stay thin. `npm run check:layers` (part of
 * `npm run test:all`); test/unit/layers/layers.test.ts proves a planted violation fails.
 *
 * Layers, top to bottom. Services sit side by side: none imports another.
 */
const LAYERS = [
  ['bin', '^lib/bin/'],
  ['programs', '^lib/programs/'],
  ['services', '^lib/(run|build|exec|esub|sweep|images|admin|local|slurm)/'],
  ['job', '^lib/job/'],
  ['policy', '^lib/policy/'],
  ['runtime', '^lib/runtime/'],
  ['request', '^lib/request/'],
  ['scheduler', '^lib/scheduler/'],
  ['config', '^lib/config/'],
  ['host', '^lib/host/'],
  ['kernel', '^lib/kernel/'],
];
const SERVICES = ['run', 'build', 'exec', 'esub', 'sweep', 'images', 'admin', 'local', 'slurm'];

const upward = LAYERS.flatMap(([name, path], i) =>
  i === 0
    ? []
    : [
        {
          name: `no-upward-from-${name}`,
          comment: `${name} may import only ${LAYERS.slice(i)
            .map(([n]) => n)
            .join(', ')}`,
          severity: 'error',
          from: { path },
          to: { path: LAYERS.slice(0, i).map(([, p]) => p) },
        },
      ],
);

const sideways = SERVICES.map((service) => ({
  name: `no-service-to-service-from-${service}`,
  comment: `the ${service} service imports no other service: shared code belongs in a layer below`,
  severity: 'error',
  from: { path: `^lib/${service}/` },
  to: { path: `^lib/(${SERVICES.filter((s) => s !== service).join('|')})/` },
}));

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'thin-programs',
      comment: 'a program parses argv and makes one service call: it imports services and the kernel only',
      severity: 'error',
      from: { path: '^lib/programs/' },
      to: { path: '^lib/(job|policy|runtime|request|scheduler|config|host)/' },
    },
    {
      name: 'thin-launchers',
      comment: 'lib/bin/* only start a program',
      severity: 'error',
      from: { path: '^lib/bin/' },
      to: { path: '^lib/', pathNot: '^lib/(bin|programs|kernel)/' },
    },
    {
      name: 'lib-only-from-lib',
      comment: 'lib never imports tests, scripts or bench',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^(test|scripts|bench)/' },
    },
    ...upward,
    ...sideways,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
