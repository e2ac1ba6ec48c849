/**
 * The HTML report: ONE self-contained file — the report's data, the viewer's script and its
 * styles inline — that makes no request to any network when opened from disk. A Content
 * Security Policy allows nothing but that one script (by its hash) and inline styles, so even
 * text that slipped into markup could not load or run anything. The viewer builds the page
 * with DOM text nodes only: function names, paths and labels are never parsed as HTML.
 */

import type { ReportView } from './view.js';

export interface ViewerAssets {
  /** The viewer, one classic script (built from web/). */
  script: string;
  /** Its styles. */
  style: string;
  /** `sha256-…` of `script`, for the Content-Security-Policy. */
  scriptHash: string;
}

/** Text safe inside HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

/**
 * JSON that can sit inside `<script type="application/json">`: no `<` (so no `</script>` or
 * `<!--`), and no U+2028/2029.
 */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** The Content-Security-Policy of the HTML report: its own script, by hash, and nothing else. */
export function reportCsp(assets: ViewerAssets): string {
  return [
    "default-src 'none'",
    `script-src '${assets.scriptHash}'`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

export function htmlReport(view: ReportView, assets: ViewerAssets): string {
  if (/<\/script|<!--/i.test(assets.script) || /<\/style/i.test(assets.style)) {
    throw new Error('the viewer assets would end their element early');
  }
  const csp = reportCsp(assets);
  const fallback = [
    `<p><strong>${escapeHtml(view.verdict)}</strong></p>`,
    ...view.findings.map((f) => `<p>${escapeHtml(f.severity.toUpperCase())} ${escapeHtml(f.id)}: ${escapeHtml(f.summary)}</p>`),
  ].join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="pprof-diag ${escapeHtml(view.toolVersion)}">
<title>${escapeHtml(`pprof-diag: ${view.verdict}`.slice(0, 200))}</title>
<style>${assets.style}</style>
</head>
<body>
<noscript>${fallback}</noscript>
<div id="app"></div>
<script type="application/json" id="report-data">${scriptJson(view)}</script>
<script>${assets.script}</script>
</body>
</html>
`;
}
