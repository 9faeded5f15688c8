// The Profile tab: the name shown to you, your email address, and whether a sign-in from a new
// device or place is mailed to you.
import type { FormEvent } from 'react';
import { api } from '../../api/index.ts';
import { useAuth, useUser } from '../../app/auth.tsx';
import { FormError } from '../../app/FormError.tsx';
import { useAction } from '../../app/use-action.ts';
import { Button, Card, Checkbox, TextField, useAnnounce } from '../../ui/index.ts';

export function ProfileTab() {
  const user = useUser();
  const { signedIn } = useAuth();
  const announce = useAnnounce();
  const save = useAction(async (displayName: string, notifyNewSignIn: boolean) => {
    const answer = await api.updateProfile({ body: { displayName: displayName || null, notifyNewSignIn } });
    signedIn(answer.user);
    announce('Profile saved.');
    return answer;
  });

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    void save.run(String(data.get('displayName') ?? '').trim(), data.get('notifyNewSignIn') === 'on');
  }

  return (
    <div className="stack">
      <Card title="Profile" description="How you appear in this service.">
        <form className="stack" onSubmit={onSubmit} noValidate aria-label="Profile">
          <FormError error={save.error} shownFields={['displayName']} />
          <TextField label="Name" name="displayName" autoComplete="name" maxLength={100} defaultValue={user.displayName ?? ''} error={save.fieldError('displayName')} />
          <Checkbox name="notifyNewSignIn" defaultChecked={user.notifyNewSignIn} label="Email me when my account is signed in from a new device or place" />
          <div className="row row--end">
            <Button type="submit" busy={save.busy}>
              Save profile
            </Button>
          </div>
        </form>
      </Card>
      <Card title="Email address">
        <p>
          <strong>{user.email}</strong> — {user.emailVerified ? 'confirmed' : 'not confirmed yet'}
        </p>
        <p className="muted">
          To change it, see <a href="#security-email">Security → Email address</a>.
        </p>
      </Card>
    </div>
  );
}
