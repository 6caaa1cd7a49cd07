import MarkdownIt from 'markdown-it';

/**
 * `text/markdown` outputs (`_repr_markdown_`) as HTML, by CommonMark's rules with tables and
 * strikethrough, as Jupyter renders them. HTML inside the Markdown is kept, as Jupyter keeps it: the
 * caller sanitizes the result like any other HTML output, and links never load anything by themselves.
 */
const renderer = new MarkdownIt({ html: true, linkify: true });

export function markdownToHtml(text: string): string {
  return renderer.render(text);
}
