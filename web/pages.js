// The pages behind the links in Gatehouse's emails. A page never acts on load: a person presses
// the button, so a mail scanner that fetches (or even renders) the link consumes nothing.
const page = document.body.dataset.page;
const token = new URLSearchParams(location.search).get('token') ?? '';
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
  'verify-email': () => post('/api/auth/email/verify', { token }),
  'confirm-email-change': () => post('/api/auth/email/change/confirm', { token }),
  'reset-password': (data) => post('/api/auth/password/reset', { token, newPassword: data.get('newPassword') }),
  'forgot-password': (data) => post('/api/auth/password/forgot', { email: data.get('email') }),
};

if (page !== 'forgot-password' && !/^[A-Za-z0-9_-]{43}$/.test(token)) {
  say('This link is incomplete. Copy the whole address from the email, or ask for a new link.', false);
  form.hidden = true;
}

form.addEventListener('submit', async (event) => {
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
