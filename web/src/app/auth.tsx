// Who is signed in, for every page: read once from GET /api/auth/session, set by sign-in and
// registration, cleared by sign-out and by any call that answers 401 UNAUTHENTICATED (a session
// revoked elsewhere or expired), after which RequireAuth sends the person to sign in.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, isApiError, type User } from '../api/index.ts';

export type AuthState =
  | { status: 'loading' }
  | { status: 'signed-out'; /** Why, when the session ended by itself. */ reason?: string }
  | { status: 'signed-in'; user: User };

interface AuthContextValue {
  state: AuthState;
  /** The signed-in user; only inside RequireAuth. */
  user: User | null;
  signedIn(user: User): void;
  /** Reads the session again (after a change to the user). */
  refresh(): Promise<void>;
  signOut(): Promise<void>;
}

const AuthContext = createContext<AuthContextValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<AuthState>({ status: 'loading' });

  const refresh = useCallback(async () => {
    try {
      const { user } = await api.getSession();
      setState({ status: 'signed-in', user });
    } catch (error) {
      if (isApiError(error) && error.status === 401) setState({ status: 'signed-out' });
      else setState({ status: 'signed-out', reason: isApiError(error) ? error.message : 'The service could not be reached.' });
    }
  }, []);

  useEffect(() => {
    void refresh();
    return api.onUnauthenticated(() => setState((current) => (current.status === 'signed-in' ? { status: 'signed-out', reason: 'Your session has ended. Sign in again.' } : current)));
  }, [refresh]);

  const value = useMemo<AuthContextValue>(
    () => ({
      state,
      user: state.status === 'signed-in' ? state.user : null,
      signedIn: (user) => setState({ status: 'signed-in', user }),
      refresh,
      signOut: async () => {
        try {
          await api.signOut();
        } catch (error) {
          // Already signed out on the server is still signed out here.
          if (!isApiError(error) || error.status !== 401) throw error;
        }
        setState({ status: 'signed-out' });
      },
    }),
    [state, refresh],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthContextValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth outside AuthProvider');
  return value;
}

/** The signed-in user, for pages under RequireAuth. */
export function useUser(): User {
  const { user } = useAuth();
  if (!user) throw new Error('useUser outside RequireAuth');
  return user;
}
