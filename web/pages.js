// The pages behind the links in Gatehouse's emails. A page never acts on load: a person presses
// the button, so a mail scanner that fetches (or even renders) the link consumes nothing. Without
// this script the form posts to the server, which answers with a page; with it the answer comes
// from the JSON API and the page stays. The link's token is in the form's hidden field.
const page = document.body.dataset.page;
const form = document.querySelector('form');
const status = document.querySelector('[role="status"]');

function say(text, ok) {
  status.textContent = text;
  status.className = ok ? 'ok' : 'error';
}

async function post(path, body) {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({ message: 'Unexpected answer from the server.' }));
  return { ok: response.ok, answer };
}

const actions = {
  'verify-email': (data) => post('/api/auth/email/verify', { token: data.get('token') }),
  'confirm-email-change': (data) => post('/api/auth/email/change/confirm', { token: data.get('token') }),
  'reset-password': (data) => post('/api/auth/password/reset', { token: data.get('token'), newPassword: data.get('newPassword') }),
  'forgot-password': (data) => post('/api/auth/password/forgot', { email: data.get('email') }),
};

// A page without a form (an incomplete link, a finished action) has nothing to do.
form?.addEventListener('submit', async (event) => {
  event.preventDefault();
  const button = form.querySelector('button');
  button.disabled = true;
  try {
    const { ok, answer } = await actions[page](new FormData(form));
    say(answer.message ?? (ok ? 'Done.' : 'That did not work.'), ok);
    if (ok) form.hidden = true;
  } catch {
    say('The service could not be reached. Try again.', false);
  } finally {
    button.disabled = false;
  }
});
