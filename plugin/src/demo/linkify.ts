const URL_PATTERN = /https?:\/\/[^\s<>"']+/g;
/** Sentence punctuation that ends a URL in prose rather than belonging to it. */
const TRAILING_PUNCTUATION = /[.,;:!?)\]]+$/;

/**
 * Builds text with clickable http(s) links from a plain message, using DOM
 * nodes only so message text can never inject markup.
 */
export function linkify(text: string, decorate: (link: HTMLAnchorElement) => void = () => {}): DocumentFragment {
  const fragment = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const start = match.index;
    const raw = match[0];
    const href = raw.replace(TRAILING_PUNCTUATION, '');
    if (start > last) fragment.append(text.slice(last, start));
    if (URL.canParse(href)) {
      const link = document.createElement('a');
      link.href = href;
      link.textContent = href;
      link.target = '_blank';
      link.rel = 'noopener noreferrer';
      decorate(link);
      fragment.append(link);
    } else {
      fragment.append(href);
    }
    last = start + href.length;
  }
  if (last < text.length) fragment.append(text.slice(last));
  return fragment;
}
