// Sign-in, second step: a code from the authenticator app, a backup code, or a code texted to the
// verified phone, for the challenge the password step gave (kept in this tab's sessionStorage).
// "Remember this device" skips this step on this browser for 30 days.
import { useState, type FormEvent } from 'react';
import { Redirect, useLocation } from 'wouter';
import { api, type SecondFactorMethod } from '../api/index.ts';
import { useAuth } from '../app/auth.tsx';
import { clearChallenge, loadChallenge } from '../app/challenge.ts';
import { FormError } from '../app/FormError.tsx';
import { AuthLayout } from '../app/layouts.tsx';
import { useAction } from '../app/use-action.ts';
import { Alert, Button, Checkbox, TextField } from '../ui/index.ts';

const LABELS: Record<SecondFactorMethod, { tab: string; field: string; hint: string }> = {
  totp: { tab: 'Authenticator app', field: 'Code from your authenticator app', hint: 'The 6-digit code your app shows now.' },
  backup_code: { tab: 'Backup code', field: 'Backup code', hint: 'One of the codes you saved, like ABCDE-FGHJK. Each works once.' },
  sms: { tab: 'Text message', field: 'Code from the text message', hint: 'The 6-digit code we texted to your phone.' },
};

export function SecondFactorPage() {
  const challenge = loadChallenge();
  const { signedIn } = useAuth();
  const [, navigate] = useLocation();
  const [method, setMethod] = useState<SecondFactorMethod>(() => (challenge?.methods.includes('totp') ? 'totp' : (challenge?.methods[0] ?? 'totp')));
  const [smsSent, setSmsSent] = useState(false);

  const verify = useAction(async (code: string, rememberDevice: boolean) => {
    if (!challenge) return;
    const answer = await api.completeSecondFactor({ body: { challengeId: challenge.challengeId, code, method, rememberDevice } });
    clearChallenge();
    signedIn(answer.user);
    navigate(challenge.next, { replace: true });
  });
  const sendSms = useAction(async () => {
    if (!challenge) return;
    await api.sendSignInSms({ body: { challengeId: challenge.challengeId } });
    setSmsSent(true);
  });

  if (!challenge) return <Redirect to="/login" replace />;
  const expired = verify.error?.code === 'INVALID_CHALLENGE';

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    void verify.run(String(data.get('code') ?? '').trim(), data.get('rememberDevice') === 'on');
  }

  function choose(next: SecondFactorMethod) {
    setMethod(next);
    verify.clearError();
  }

  const labels = LABELS[method];
  return (
    <AuthLayout title="Two-step verification" footer={<a href="/login" onClick={() => clearChallenge()}>Sign in as someone else</a>}>
      <p className="muted">Your password was right. Now confirm it is you with your second factor.</p>
      {challenge.methods.length > 1 && (
        <div className="tabs" role="group" aria-label="How to confirm">
          {challenge.methods.map((option) => (
            <button key={option} type="button" className="tabs__tab" aria-pressed={option === method} onClick={() => choose(option)}>
              {LABELS[option].tab}
            </button>
          ))}
        </div>
      )}
      {expired ? (
        <div className="stack">
          <Alert tone="error">{verify.error?.message}</Alert>
          <a className="button button--block" href="/login" onClick={() => clearChallenge()}>
            Sign in again
          </a>
        </div>
      ) : (
        <form className="stack" onSubmit={onSubmit} noValidate aria-label="Two-step verification">
          {method === 'sms' && (
            <div className="stack">
              {smsSent && <Alert tone="success">We sent a code to your phone. It works for 5 minutes.</Alert>}
              <FormError error={sendSms.error} />
              <Button variant="secondary" busy={sendSms.busy} onClick={() => void sendSms.run()}>
                {smsSent ? 'Text me another code' : 'Text me a code'}
              </Button>
            </div>
          )}
          <FormError error={verify.error} shownFields={['code']} />
          <TextField
            key={method}
            label={labels.field}
            hint={labels.hint}
            name="code"
            autoComplete="one-time-code"
            inputMode={method === 'backup_code' ? 'text' : 'numeric'}
            autoCapitalize="characters"
            spellCheck={false}
            required
            autoFocus
            error={verify.fieldError('code')}
          />
          <Checkbox name="rememberDevice" label="Remember this device for 30 days" />
          <Button type="submit" block busy={verify.busy}>
            Verify
          </Button>
        </form>
      )}
    </AuthLayout>
  );
}
