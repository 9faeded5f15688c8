// `/`: settings for a signed-in person, sign-in otherwise.
import { Redirect } from 'wouter';
import { useAuth } from '../app/auth.tsx';
import { Loading } from '../ui/index.ts';

export function HomePage() {
  const { state } = useAuth();
  if (state.status === 'loading') return <Loading />;
  return <Redirect to={state.status === 'signed-in' ? '/settings' : '/login'} replace />;
}
