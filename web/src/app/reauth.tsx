// Sensitive actions need a recent sign-in (403 REAUTH_REQUIRED otherwise). `useReauth()` wraps
// such an action: when the server asks, a dialog asks for the password (and, when the account
// has a second factor, a code), POST /api/auth/reauthenticate makes the session fresh, and the
// action runs again — the person never leaves the page. Cancelling rejects with the original error.
import { createContext, useCallback, useContext, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { api, isApiError, type ApiError } from '../api/index.ts';
import { Button, Dialog, TextField } from '../ui/index.ts';
import { FormError } from './FormError.tsx';
import { useAction } from './use-action.ts';

type WithReauth = <Result>(action: () => Promise<Result>) => Promise<Result>;

const ReauthContext = createContext<WithReauth | null>(null);

interface Pending {
  resolve(): void;
  reject(error: ApiError): void;
  error: ApiError;
}

export function ReauthProvider({ children }: { children: ReactNode }) {
  const [pending, setPending] = useState<Pending | null>(null);
  const [askCode, setAskCode] = useState(false);
  const pendingRef = useRef<Pending | null>(null);

  const withReauth = useCallback<WithReauth>(async (action) => {
    try {
      return await action();
    } catch (error) {
      if (!isApiError(error) || error.code !== 'REAUTH_REQUIRED') throw error;
      await new Promise<void>((resolve, reject) => {
        const entry = { resolve, reject, error };
        pendingRef.current = entry;
        setPending(entry);
      });
      return action();
    }
  }, []);

  const close = useCallback((done: boolean) => {
    const entry = pendingRef.current;
    pendingRef.current = null;
    setPending(null);
    setAskCode(false);
    if (!entry) return;
    if (done) entry.resolve();
    else entry.reject(entry.error);
  }, []);

  return (
    <ReauthContext.Provider value={withReauth}>
      {children}
      <Dialog open={pending !== null} onClose={() => close(false)} title="Confirm it is you" description="For your security, enter your password again to continue.">
        <ReauthForm
          askCode={askCode}
          onCancel={() => close(false)}
          onSubmit={async (password, code) => {
            try {
              await api.reauthenticate({ body: { password, ...(code ? { code } : {}) } });
              close(true);
            } catch (error) {
              if (isApiError(error) && error.code === 'CODE_REQUIRED') setAskCode(true);
              throw error;
            }
          }}
        />
      </Dialog>
    </ReauthContext.Provider>
  );
}

function ReauthForm(props: { askCode: boolean; onCancel(): void; onSubmit(password: string, code: string): Promise<void> }) {
  const submit = useAction(props.onSubmit);
  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    await submit.run(String(data.get('password') ?? ''), String(data.get('code') ?? ''));
  }
  return (
    <form className="stack" onSubmit={onSubmit} noValidate>
      <FormError error={submit.error} shownFields={['password', 'code']} />
      <TextField label="Password" name="password" type="password" autoComplete="current-password" required autoFocus error={submit.fieldError('password')} />
      {props.askCode && <TextField label="Code from your authenticator app, or a backup code" name="code" autoComplete="one-time-code" inputMode="text" error={submit.fieldError('code')} />}
      <div className="row row--end">
        <Button variant="secondary" onClick={props.onCancel}>
          Cancel
        </Button>
        <Button type="submit" busy={submit.busy}>
          Confirm
        </Button>
      </div>
    </form>
  );
}

export function useReauth(): WithReauth {
  const value = useContext(ReauthContext);
  if (!value) throw new Error('useReauth outside ReauthProvider');
  return value;
}
