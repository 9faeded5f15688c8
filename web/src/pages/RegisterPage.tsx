// Registration: the account is created and signed in at once; the server's password rules
// answer in `fields.password` with the reason (too short, too common, contains your name…).
import { useState, type FormEvent } from 'react';
import { Link, useLocation } from 'wouter';
import { api } from '../api/index.ts';
import { useAuth } from '../app/auth.tsx';
import { FormError } from '../app/FormError.tsx';
import { AuthLayout } from '../app/layouts.tsx';
import { useAction } from '../app/use-action.ts';
import { Alert, Button, TextField } from '../ui/index.ts';

export function RegisterPage() {
  const { signedIn } = useAuth();
  const [, navigate] = useLocation();
  const [checkEmail, setCheckEmail] = useState<string | null>(null);
  const register = useAction(async (body: { email: string; password: string; displayName?: string }) => {
    const answer = await api.register({ body });
    if ('user' in answer) {
      signedIn(answer.user);
      navigate('/settings', { replace: true });
    } else {
      // REQUIRE_EMAIL_VERIFICATION: no session until the address is confirmed.
      setCheckEmail(answer.message);
    }
  });

  if (checkEmail) {
    return (
      <AuthLayout title="Check your email">
        <Alert tone="success">{checkEmail}</Alert>
      </AuthLayout>
    );
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const displayName = String(data.get('displayName') ?? '').trim();
    void register.run({ email: String(data.get('email') ?? ''), password: String(data.get('password') ?? ''), ...(displayName ? { displayName } : {}) });
  }

  return (
    <AuthLayout
      title="Create your account"
      footer={
        <>
          Already have an account? <Link href="/login">Sign in</Link>
        </>
      }
    >
      <form className="stack" onSubmit={onSubmit} noValidate aria-label="Create your account">
        <FormError error={register.error} shownFields={['email', 'password', 'displayName']} />
        <TextField label="Name (optional)" name="displayName" autoComplete="name" maxLength={100} error={register.fieldError('displayName')} />
        <TextField label="Email address" name="email" type="email" autoComplete="email" required autoFocus error={register.fieldError('email')} />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          hint="Make it long: a few unrelated words make a strong password."
          error={register.fieldError('password')}
        />
        <Button type="submit" block busy={register.busy}>
          Create account
        </Button>
      </form>
    </AuthLayout>
  );
}
