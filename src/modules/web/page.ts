// The HTML of the pages behind email links: plain HTML, the web app's stylesheet and one script
// from our own origin, so helmet's strict Content-Security-Policy holds. The form posts to the
// page's own path without its query string, so it works with the script blocked and never puts a
// secret in a URL (security.md §9); the link's token travels in a hidden field.

export interface PageForm {
  /** Where the form posts: the page's path, never with the link's query string. */
  action: string;
  /** The link's token, when the page has one. */
  token?: string;
  fields: string;
  button: string;
}

export interface PageContent {
  page: string;
  title: string;
  intro: string;
  form: PageForm | null;
  status: { text: string; ok: boolean } | null;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function renderForm(form: PageForm): string {
  const token = form.token === undefined ? '' : `<input type="hidden" name="token" value="${escapeHtml(form.token)}">`;
  return `<form method="post" action="${escapeHtml(form.action)}">${token}${form.fields}<button type="submit" class="button button--block">${escapeHtml(form.button)}</button></form>`;
}

export function renderPage(product: string, content: PageContent): string {
  const status = content.status ? ` class="${content.status.ok ? 'ok' : 'error'}">${escapeHtml(content.status.text)}` : '>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(content.title)} · ${escapeHtml(product)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/theme.css">
</head>
<body class="link-page" data-page="${escapeHtml(content.page)}">
<div class="auth-layout"><div class="auth-layout__inner">
<main class="card">
  <a class="brand" href="/"><span class="brand__mark" aria-hidden="true"></span><span class="brand__name">${escapeHtml(product)}</span></a>
  <h1>${escapeHtml(content.title)}</h1>
  <p>${escapeHtml(content.intro)}</p>
  ${content.form ? renderForm(content.form) : ''}
  <p role="status" aria-live="polite"${status}</p>
</main>
<p class="auth-footer"><a href="/login">Back to sign in</a></p>
</div></div>
<script src="/assets/pages.js" defer></script>
</body>
</html>`;
}
