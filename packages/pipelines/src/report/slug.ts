/**
 * GitHub's heading anchors (the github-slugger rules), so the table of contents in `README.md` links to the
 * headings GitHub, GitLab and VS Code actually generate. Repeated headings get `-1`, `-2`, ... in order.
 */
export function createSlugger(): (heading: string) => string {
  const seen = new Map<string, number>();
  return (heading) => {
    const base = heading
      .toLowerCase()
      // Markdown syntax is not part of the rendered text that the anchor is computed from.
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/[`*]/g, '')
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    // github-slugger's counter: the n-th repeat of `base` becomes `base-n`, skipping slugs already taken.
    let slug = base;
    while (seen.has(slug)) {
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      slug = `${base}-${n}`;
    }
    seen.set(slug, 0);
    return slug;
  };
}
