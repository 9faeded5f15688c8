// The HTML of the pages behind email links: plain HTML and one script from our own origin, so
// helmet's strict Content-Security-Policy holds. The form posts to the page's own path without
// its query string, so it works with the script blocked and never puts a secret in a URL
// (security.md §9); the link's token travels in a hidden field.

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
  return `<form method="post" action="${escapeHtml(form.action)}">${token}${form.fields}<button type="submit">${escapeHtml(form.button)}</button></form>`;
}

export function renderPage(product: string, content: PageContent): string {
  const status = content.status ? ` class="${content.status.ok ? 'ok' : 'error'}">${escapeHtml(content.status.text)}` : '>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(content.title)} · ${escapeHtml(product)}</title>
<style>
  body { font-family: system-ui, sans-serif; background: #f4f6f9; color: #1b1b1b; display: grid; place-items: center; min-height: 100vh; margin: 0; }
  main { background: #fff; padding: 2rem; border-radius: 12px; box-shadow: 0 2px 12px rgba(0,0,0,.08); width: min(420px, 92vw); }
  h1 { font-size: 1.4rem; color: #1f3a5f; margin-top: 0; }
  label { display: block; margin: 1rem 0 .3rem; font-weight: 600; }
  input { width: 100%; padding: .6rem; font-size: 1rem; border: 1px solid #b8c2cc; border-radius: 6px; box-sizing: border-box; }
  button { margin-top: 1.2rem; width: 100%; padding: .7rem; font-size: 1rem; background: #1f3a5f; color: #fff; border: 0; border-radius: 6px; cursor: pointer; }
  button:disabled { opacity: .6; }
  .ok { color: #17653a; } .error { color: #a11; }
  .product { color: #667; font-size: .9rem; }
</style>
</head>
<body data-page="${escapeHtml(content.page)}">
<main>
  <p class="product">${escapeHtml(product)}</p>
  <h1>${escapeHtml(content.title)}</h1>
  <p>${escapeHtml(content.intro)}</p>
  ${content.form ? renderForm(content.form) : ''}
  <p role="status" aria-live="polite"${status}</p>
</main>
<script src="/assets/pages.js" defer></script>
</body>
</html>`;
}
