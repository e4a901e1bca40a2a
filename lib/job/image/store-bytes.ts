import { nodeCrypto } from '../../kernel/builtin.js';
import type { ImageInfo } from '../../runtime/types.js';

/**
 * How many bytes a set of images takes, counting shared layers once where the store shows the
 * sharing: an image whose layers extend another image's (built FROM it, or the same content
 * under two ids) adds only its own size minus that base's. Bases that are not on the host are
 * counted in each image (an estimate, as kubelet's): runtimes report no per-layer size.
 */
export type Sized = Pick<ImageInfo, 'id' | 'size' | 'layers'>;

/** The chain ids of an image's layers: chain[k] names its first k+1 layers. Pure. */
export function chainIds(layers: readonly string[]): string[] {
  const out: string[] = [];
  let chain = '';
  for (const layer of layers) {
    chain = nodeCrypto().createHash('sha256').update(`${chain} ${layer}`).digest('hex');
    out.push(chain);
  }
  return out;
}

/** Chain ids by image id, computed once per image (the GC asks for many subsets of the same images). */
export type Chains = Map<string, string[]>;

/** Bytes IMAGES take together (CHAINS: a cache of their chain ids). Pure but for filling the cache. */
export function storeBytes(images: readonly Sized[], chains: Chains = new Map()): number {
  for (const i of images) if (!chains.has(i.id)) chains.set(i.id, chainIds(i.layers));
  const byTop = new Map<string, Sized[]>();
  for (const image of images) {
    const top = chains.get(image.id)!.at(-1);
    if (top !== undefined) byTop.set(top, [...(byTop.get(top) ?? []), image]);
  }
  let total = 0;
  for (const image of images) {
    const chain = chains.get(image.id)!;
    let base = 0;
    for (let k = chain.length - 1; k >= 0 && base === 0; k--) {
      for (const other of byTop.get(chain[k]!) ?? []) {
        if (other.id === image.id) continue;
        // The same layers under two ids: the first (by id) counts, the others add nothing.
        if (k === chain.length - 1 && other.id > image.id) continue;
        base = Math.max(base, Math.min(other.size, image.size));
      }
    }
    total += Math.max(0, image.size - base);
  }
  return total;
}
