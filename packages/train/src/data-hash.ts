/** A cheap content hash of token-id data, so a checkpoint is never resumed on other data. */

/** FNV-1a over the ids (as 32-bit words) with a separator after every sequence; hex string. */
export function hashTokenSequences(sequences: Iterable<readonly number[]>): string {
  let h = 0x811c9dc5;
  const mix = (word: number): void => {
    for (let shift = 0; shift < 32; shift += 8) {
      h ^= (word >>> shift) & 0xff;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  };
  for (const sequence of sequences) {
    for (const id of sequence) mix(id);
    mix(0xffffffff);
  }
  return h.toString(16).padStart(8, '0');
}
