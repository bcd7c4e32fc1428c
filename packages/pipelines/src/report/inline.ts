/**
 * The markdown-ish text of a report, converted to HTML. Only the subset the model documents is recognised:
 * `` `code` ``, `**bold**`, `*italic*`, `[label](url)` and backslash escapes. Underscores are deliberately not
 * emphasis: identifiers such as `k_2` or `tf_ratio` appear in prose all the time.
 *
 * Everything else is escaped, so text from a config file can never inject markup into `index.html`.
 */
import { escapeHtml } from './format.ts';

const ESCAPABLE = /[!-/:-@[-`{-~]/;

// Links may point to the web, to an anchor, or to a file next to the report; never to `javascript:` and friends.
const SAFE_URL = /^(https?:\/\/|mailto:|#|\.{0,2}\/|[\w.-]+(\/|$|#|\?))/i;

export function inlineToHtml(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length && ESCAPABLE.test(text[i + 1]!)) {
      out += escapeHtml(text[i + 1]!);
      i += 2;
      continue;
    }
    if (ch === '`') {
      const span = codeSpan(text, i);
      if (span) {
        out += `<code>${escapeHtml(span.content)}</code>`;
        i = span.end;
        continue;
      }
    }
    if (ch === '*' && text[i + 1] === '*') {
      const close = findClosing(text, i + 2, '**');
      if (close !== -1) {
        out += `<strong>${inlineToHtml(text.slice(i + 2, close))}</strong>`;
        i = close + 2;
        continue;
      }
    }
    if (ch === '*' && text[i + 1] !== '*') {
      const close = findClosing(text, i + 1, '*');
      if (close !== -1) {
        out += `<em>${inlineToHtml(text.slice(i + 1, close))}</em>`;
        i = close + 1;
        continue;
      }
    }
    if (ch === '[') {
      const link = linkAt(text, i);
      if (link) {
        out += `<a href="${escapeHtml(link.url)}">${inlineToHtml(link.label)}</a>`;
        i = link.end;
        continue;
      }
    }
    out += escapeHtml(ch);
    i++;
  }
  // A single newline inside a paragraph is a soft break, as in Markdown.
  return out.replace(/[ \t]*\r?\n[ \t]*/g, ' ');
}

/** A backtick run opens a code span that the next run of the same length closes (CommonMark rule). */
function codeSpan(text: string, start: number): { content: string; end: number } | undefined {
  let ticks = 0;
  while (text[start + ticks] === '`') ticks++;
  const fence = '`'.repeat(ticks);
  let search = start + ticks;
  while (search < text.length) {
    const close = text.indexOf(fence, search);
    if (close === -1) return undefined;
    let after = close + ticks;
    if (text[after] === '`') {
      // A longer run is not our closer; skip it whole.
      while (text[after] === '`') after++;
      search = after;
      continue;
    }
    let content = text.slice(start + ticks, close).replace(/\r?\n/g, ' ');
    if (content.length > 2 && content.startsWith(' ') && content.endsWith(' ')) content = content.slice(1, -1);
    return { content, end: after };
  }
  return undefined;
}

/**
 * The closing delimiter of an emphasis span: the opener must be followed by a non-space and the closer preceded
 * by one, so `2 * 3 * 4` stays arithmetic.
 */
function findClosing(text: string, from: number, delimiter: string): number {
  if (from >= text.length || /\s/.test(text[from]!)) return -1;
  let i = from;
  while (i < text.length) {
    if (text[i] === '\\') {
      i += 2;
      continue;
    }
    if (text[i] === '`') {
      const span = codeSpan(text, i);
      if (span) {
        i = span.end;
        continue;
      }
    }
    if (text.startsWith(delimiter, i) && i > from && !/\s/.test(text[i - 1]!)) {
      // A single `*` must not match the first half of a `**`.
      if (delimiter === '*' && text[i + 1] === '*') {
        i += 2;
        continue;
      }
      return i;
    }
    i++;
  }
  return -1;
}

function linkAt(text: string, start: number): { label: string; url: string; end: number } | undefined {
  const labelEnd = text.indexOf('](', start + 1);
  if (labelEnd === -1 || text.slice(start + 1, labelEnd).includes('\n')) return undefined;
  const urlEnd = text.indexOf(')', labelEnd + 2);
  if (urlEnd === -1) return undefined;
  const url = text.slice(labelEnd + 2, urlEnd).trim();
  if (url === '' || /\s/.test(url) || !SAFE_URL.test(url)) return undefined;
  return { label: text.slice(start + 1, labelEnd), url, end: urlEnd + 1 };
}
