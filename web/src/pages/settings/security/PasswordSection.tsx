// Security → Password: the current password, a new one with a live strength meter (the server's
// own verdict and reasons, password/), and the new one again. The server signs out every other
// session and renews this one's cookie, so the page goes on working after the change.
import { useId, useRef, useState, type FormEvent } from 'react';
import { api } from '../../../api/index.ts';
import { notifyAccountChanged } from '../../../app/account-changes.ts';
import { FormError } from '../../../app/FormError.tsx';
import { useAction } from '../../../app/use-action.ts';
import { Alert, Button, Card, TextField, useAnnounce } from '../../../ui/index.ts';
import { fieldMessage } from './field-message.ts';
import { StrengthMeter } from './password/StrengthMeter.tsx';
import { usePasswordStrength } from './password/use-password-strength.ts';

export function PasswordSection() {
  const announce = useAnnounce();
  const meterId = useId();
  const confirmRef = useRef<HTMLInputElement>(null);
  const [newPassword, setNewPassword] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const [changed, setChanged] = useState<string | null>(null);
  const strength = usePasswordStrength(newPassword);
  const change = useAction((currentPassword: string, next: string) => api.changePassword({ currentPassword, newPassword: next }));

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    setChanged(null);
    if (String(data.get('confirmPassword') ?? '') !== newPassword) {
      setMismatch(true);
      confirmRef.current?.focus();
      return;
    }
    setMismatch(false);
    const answer = await change.run(String(data.get('currentPassword') ?? ''), newPassword);
    if (!answer) return;
    form.reset();
    setNewPassword('');
    setChanged(answer.message);
    announce(answer.message);
    notifyAccountChanged();
  }

  return (
    <Card id="security-password" title="Password" description="Change the password you sign in with. Your other devices will be signed out.">
      <form className="stack" onSubmit={onSubmit} noValidate aria-label="Change password">
        {changed && <Alert tone="success">{changed}</Alert>}
        <FormError error={change.error} shownFields={['currentPassword', 'newPassword']} />
        <TextField label="Current password" name="currentPassword" type="password" autoComplete="current-password" required error={fieldMessage('Current password', change.fieldError('currentPassword'))} />
        <div className="password-new">
          <TextField
            label="New password"
            name="newPassword"
            type="password"
            autoComplete="new-password"
            required
            value={newPassword}
            onChange={(event) => setNewPassword(event.target.value)}
            error={fieldMessage('New password', change.fieldError('newPassword'))}
          />
          <StrengthMeter state={strength} id={meterId} />
        </div>
        <TextField
          ref={confirmRef}
          label="New password again"
          name="confirmPassword"
          type="password"
          autoComplete="new-password"
          required
          error={mismatch ? 'The two new passwords are not the same.' : undefined}
        />
        <div className="row row--end">
          <Button type="submit" busy={change.busy}>
            Change password
          </Button>
        </div>
      </form>
    </Card>
  );
}
