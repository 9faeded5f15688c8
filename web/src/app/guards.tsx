// Route guards: signed-in pages send a signed-out person to sign in (and back afterwards), and the
// sign-in pages send a signed-in person on to settings.
import type { ReactNode } from 'react';
import { Redirect, useSearch } from 'wouter';
import { Loading } from '../ui/index.ts';
import { useAuth } from './auth.tsx';
import { safeNext, signInFor } from './navigation.ts';

export function RequireAuth({ children }: { children: ReactNode }) {
  const { state } = useAuth();
  if (state.status === 'loading') return <Loading />;
  if (state.status === 'signed-out') return <Redirect to={signInFor(window.location.pathname, window.location.hash)} replace />;
  return <>{children}</>;
}

export function SignedOutOnly({ children }: { children: ReactNode }) {
  const { state } = useAuth();
  const search = useSearch();
  if (state.status === 'loading') return <Loading />;
  if (state.status === 'signed-in') return <Redirect to={safeNext(new URLSearchParams(search).get('next'))} replace />;
  return <>{children}</>;
}
