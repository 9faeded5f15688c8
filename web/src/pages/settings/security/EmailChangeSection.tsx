// Security → Email address: the new address, the password and, when two-step verification is on,
// a code → the server mails a link to the new address ("check your new inbox"). The request needs
// a recent sign-in: useReauth asks for the password in a dialog and sends it again.
import { useState, type FormEvent } from 'react';
import { api, isApiError } from '../../../api/index.ts';
import { notifyAccountChanged } from '../../../app/account-changes.ts';
import { useUser } from '../../../app/auth.tsx';
import { FormError } from '../../../app/FormError.tsx';
import { useReauth } from '../../../app/reauth.tsx';
import { useAction } from '../../../app/use-action.ts';
import { Alert, Button, Card, TextField, useAnnounce } from '../../../ui/index.ts';
import { fieldMessage } from './field-message.ts';
import { useTwoFactorStatus } from './two-factor/status.ts';

export function EmailChangeSection() {
  const user = useUser();
  const twoFactor = useTwoFactorStatus(user.id);
  const withReauth = useReauth();
  const announce = useAnnounce();
  const [sentTo, setSentTo] = useState<{ address: string; message: string } | null>(null);
  const request = useAction((body: { newEmail: string; password: string; code?: string }) => withReauth(() => api.requestEmailChange({ body })));
  // The server asks for a code (CODE_REQUIRED) when a second factor is on, even before the status is read.
  const askCode = (twoFactor.kind === 'ready' && twoFactor.status.enabled) || (isApiError(request.error) && request.error.code === 'CODE_REQUIRED');

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const newEmail = String(data.get('newEmail') ?? '').trim();
    const code = String(data.get('code') ?? '').replace(/\s+/g, '');
    setSentTo(null);
    const answer = await request.run({ newEmail, password: String(data.get('password') ?? ''), ...(askCode && code ? { code } : {}) });
    if (!answer) return;
    form.reset();
    setSentTo({ address: newEmail, message: answer.message });
    announce(`Check your new inbox: ${answer.message}`);
    notifyAccountChanged();
  }

  return (
    <Card id="security-email" title="Email address" description="Move your account to another address. We send a link to the new one.">
      <form className="stack" onSubmit={onSubmit} noValidate aria-label="Change email address">
        <p>
          Your address now: <strong>{user.email}</strong>
        </p>
        {sentTo && (
          <Alert tone="success">
            <strong>Check your new inbox at {sentTo.address}.</strong> {sentTo.message} Until then your address stays {user.email}.
          </Alert>
        )}
        <FormError error={request.error} shownFields={['newEmail', 'password', 'code']} />
        <TextField label="New email address" name="newEmail" type="email" autoComplete="email" required error={fieldMessage('The new address', request.fieldError('newEmail'))} />
        <TextField label="Password" name="password" type="password" autoComplete="current-password" required error={fieldMessage('The password', request.fieldError('password'))} />
        {askCode && (
          <TextField
            label="Code from your authenticator app, or a backup code"
            name="code"
            autoComplete="one-time-code"
            required
            maxLength={32}
            error={fieldMessage('The code', request.fieldError('code'))}
          />
        )}
        <div className="row row--end">
          <Button type="submit" busy={request.busy}>
            Send confirmation link
          </Button>
        </div>
      </form>
    </Card>
  );
}
