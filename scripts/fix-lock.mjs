// The npm registry reachable here answers 404 for other platforms' optional packages (biome's and
// esbuild's per-platform binaries), so `npm install` leaves them out of package-lock.json and
// `npm ci` then calls the lock out of sync. Run `npm run fix-lock` after every `npm install`:
// it adds an entry for each missing optional dependency (version from its parent's range,
// marked optional), which npm ci accepts and skips on this platform.
import { readFileSync, writeFileSync } from 'node:fs';

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
let added = 0;
for (const meta of Object.values(lock.packages)) {
  for (const [name, range] of Object.entries(meta.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (lock.packages[key]) continue;
    lock.packages[key] = { version: String(range).replace(/^[\^~]/, ''), dev: meta.dev, optional: true };
    added++;
  }
}
writeFileSync('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
console.log(`fix-lock: ${added} optional platform package entries added`);
