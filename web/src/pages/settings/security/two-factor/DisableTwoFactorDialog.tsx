// Turning two-step verification off: a dialog asks for the password and a code from the app (or a
// backup code), as the server requires both (POST /api/auth/2fa/disable).
import type { FormEvent } from 'react';
import { api } from '../../../../api/index.ts';
import { FormError } from '../../../../app/FormError.tsx';
import { useAction } from '../../../../app/use-action.ts';
import { Button, Dialog, TextField, useAnnounce } from '../../../../ui/index.ts';
import { fieldMessage } from '../field-message.ts';

export function DisableTwoFactorDialog({ open, onClose, onDisabled }: { open: boolean; onClose: () => void; onDisabled: () => void }) {
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title="Turn off two-step verification?"
      description="Anyone who learns your password could then sign in. Your other devices will be signed out and remembered devices forgotten."
    >
      <DisableForm onCancel={onClose} onDisabled={onDisabled} />
    </Dialog>
  );
}

function DisableForm({ onCancel, onDisabled }: { onCancel: () => void; onDisabled: () => void }) {
  const announce = useAnnounce();
  const disable = useAction((password: string, code: string) => api.disable2FA(password, code));

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const answer = await disable.run(String(data.get('password') ?? ''), String(data.get('token') ?? '').replace(/\s+/g, ''));
    if (!answer) return;
    announce(answer.message);
    onDisabled();
  }

  return (
    <form className="stack" onSubmit={onSubmit} noValidate aria-label="Turn off two-step verification">
      <FormError error={disable.error} shownFields={['password', 'token']} />
      <TextField label="Password" name="password" type="password" autoComplete="current-password" required autoFocus error={fieldMessage('The password', disable.fieldError('password'))} />
      <TextField
        label="Code from your authenticator app, or a backup code"
        name="token"
        autoComplete="one-time-code"
        required
        maxLength={32}
        error={fieldMessage('The code', disable.fieldError('token'))}
      />
      <div className="row row--end">
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" variant="danger" busy={disable.busy}>
          Turn off
        </Button>
      </div>
    </form>
  );
}
