/**
 * The upload page `serve` answers at `/`: files or a pasted dump, one incident at a time, sent
 * to /api/analyze as a form; the report comes back as the page. No script: it works in any
 * browser, and its Content-Security-Policy allows nothing but its own form.
 */

import { escapeHtml } from '../report/html.js';

export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** The page with the in-browser viewer: its own script and worker, nothing from elsewhere. */
export const APP_CSP =
  "default-src 'none'; script-src 'self'; worker-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src data: blob:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** The head both pages open with. */
const HEAD = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pprof-diag</title>
`;

/**
 * The page that reads files in the browser (web/src/app.ts and its worker); without script, the
 * plain form that sends them to the API.
 */
export function appPage(version: string, preloaded: boolean, allowFetch: boolean): string {
  const form = uploadPage(version, preloaded, allowFetch);
  const body = form.slice(form.indexOf('<body>') + 6, form.indexOf('</body>'));
  return `${HEAD}<link rel="stylesheet" href="app.css">
</head>
<body>
<main id="page" data-version="${escapeHtml(version)}">${preloaded ? '<p><a href="/report">The report of the inputs given when the server started</a></p>' : ''}</main>
<noscript>${body}</noscript>
<script src="app.js"></script>
</body>
</html>
`;
}

export function uploadPage(version: string, preloaded: boolean, allowFetch: boolean): string {
  return `${HEAD}<style>
body { font: 15px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #1d2430; }
h1 { font-size: 1.4rem; } label { display: block; margin: 1rem 0 .3rem; font-weight: 600; }
textarea { width: 100%; min-height: 14rem; font: 13px/1.4 ui-monospace, monospace; }
input[type=url] { width: 100%; } button { margin-top: 1rem; padding: .5rem 1.2rem; font-size: 1rem; }
.note { color: #5a6472; font-size: .9rem; }
</style>
</head>
<body>
<h1>pprof-diag</h1>
<p>Give the profiles, dumps and traces of one incident: goroutine profiles (protobuf, <code>?debug=1</code>, <code>?debug=2</code>),
a goroutine dump pasted from a log or a chat, heap, block, mutex and CPU profiles, execution traces. Two snapshots of one process show what grows.</p>
${preloaded ? '<p><a href="/report">The report of the inputs given when the server started</a></p>' : ''}
<form method="post" action="/api/analyze" enctype="multipart/form-data">
<label for="files">Files</label>
<input id="files" name="files" type="file" multiple>
<label for="text">Or paste a goroutine dump</label>
<textarea id="text" name="text" placeholder="goroutine 1 [running]:&#10;main.main()&#10;&#9;/app/main.go:12 +0x1d"></textarea>
${allowFetch ? '<label for="url">Or a live endpoint this server fetches</label>\n<input id="url" name="url" type="url" placeholder="http://127.0.0.1:6060/debug/pprof/goroutine">' : ''}
<label for="format">Report</label>
<select id="format" name="format"><option value="html">HTML</option><option value="md">Markdown</option><option value="json">JSON</option><option value="text">Text</option></select>
<label><input type="checkbox" name="redact" value="1"> Redact paths, argument and label values, hosts</label>
<button type="submit">Diagnose</button>
</form>
<p class="note">Bots and incident tooling: <code>curl --data-binary @goroutine.pb.gz 'http://HOST/api/analyze?format=md'</code>, or several files as a multipart form.</p>
<p class="note">pprof-diag ${escapeHtml(version)}</p>
</body>
</html>
`;
}
