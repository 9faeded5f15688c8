// Sign-in, first step: email and password. A right password either signs in, or (with a second
// factor on) gives a challenge that the next page completes.
import type { FormEvent } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { api } from '../api/index.ts';
import { useAuth } from '../app/auth.tsx';
import { saveChallenge } from '../app/challenge.ts';
import { FormError } from '../app/FormError.tsx';
import { AuthLayout } from '../app/layouts.tsx';
import { safeNext } from '../app/navigation.ts';
import { useAction } from '../app/use-action.ts';
import { Alert, Button, Checkbox, TextField } from '../ui/index.ts';

export function SignInPage() {
  const { state, signedIn } = useAuth();
  const [, navigate] = useLocation();
  const search = useSearch();
  const next = safeNext(new URLSearchParams(search).get('next'));
  const signIn = useAction(async (email: string, password: string, rememberDevice: boolean) => {
    const answer = await api.signIn({ body: { email, password, rememberDevice } });
    if ('twoFactorRequired' in answer) {
      saveChallenge(answer, next);
      // The same ?next= there: once signed in, either page's redirect goes to the same place.
      navigate(`/login/2fa${search ? `?${search}` : ''}`);
    } else {
      signedIn(answer.user);
      navigate(next, { replace: true });
    }
  });

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    void signIn.run(String(data.get('email') ?? ''), String(data.get('password') ?? ''), data.get('rememberDevice') === 'on');
  }

  const ended = state.status === 'signed-out' ? state.reason : undefined;
  return (
    <AuthLayout
      title="Sign in"
      footer={
        <>
          New here? <Link href="/register">Create an account</Link>
        </>
      }
    >
      <form className="stack" onSubmit={onSubmit} noValidate aria-label="Sign in">
        {ended && !signIn.error && <Alert tone="info">{ended}</Alert>}
        <FormError error={signIn.error} shownFields={['email', 'password']} />
        <TextField label="Email address" name="email" type="email" autoComplete="username" required autoFocus error={signIn.fieldError('email')} />
        <TextField label="Password" name="password" type="password" autoComplete="current-password" required error={signIn.fieldError('password')} />
        <div className="row row--between">
          <Checkbox name="rememberDevice" label="Stay signed in" />
          {/* The server-rendered page: it works without JavaScript too. */}
          <a href="/forgot-password">Forgot password?</a>
        </div>
        <Button type="submit" block busy={signIn.busy}>
          Sign in
        </Button>
      </form>
    </AuthLayout>
  );
}
