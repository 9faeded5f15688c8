// The live strength of a password being typed, rated by the server's own policy
// (POST /api/auth/password/strength), asked once the typing pauses. Only the latest answer counts;
// the candidate is kept in no state but the input's, and never logged.
import { useEffect, useState } from 'react';
import { api, isApiError, type ResponseOf } from '../../../../api/index.ts';

export type StrengthVerdict = Omit<ResponseOf<'checkPasswordStrength'>, 'success'>;

export type StrengthState = { kind: 'empty' } | { kind: 'checking'; last: StrengthVerdict | null } | { kind: 'rated'; verdict: StrengthVerdict } | { kind: 'unavailable'; message: string };

const PAUSE_MS = 350;

export function usePasswordStrength(password: string): StrengthState {
  const [state, setState] = useState<StrengthState>({ kind: 'empty' });

  useEffect(() => {
    if (!password) {
      setState({ kind: 'empty' });
      return;
    }
    let current = true;
    setState((previous) => ({ kind: 'checking', last: previous.kind === 'rated' ? previous.verdict : previous.kind === 'checking' ? previous.last : null }));
    const timer = window.setTimeout(async () => {
      try {
        const { success: _success, ...verdict } = await api.checkPasswordStrength({ body: { password } });
        if (current) setState({ kind: 'rated', verdict });
      } catch (error) {
        // The meter is advice: without it the change itself still says why it refuses a password.
        if (current) setState({ kind: 'unavailable', message: isApiError(error) && error.code !== 'NETWORK_ERROR' ? error.message : 'The strength check is not available right now.' });
      }
    }, PAUSE_MS);
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
  }, [password]);

  return state;
}
