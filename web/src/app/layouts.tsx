// Page frames: a centred card for signing in and registering, and the signed-in frame with the
// user's name, address and a sign-out button.
import { useEffect, type ReactNode } from 'react';
import { useLocation } from 'wouter';
import { Button } from '../ui/index.ts';
import { useAction } from './use-action.ts';
import { useAuth, useUser } from './auth.tsx';

export const PRODUCT_NAME = 'Gatehouse';

/** Sets the document title, so each page is named for screen readers and browser history. */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · ${PRODUCT_NAME}`;
  }, [title]);
}

function Brand() {
  return (
    <a className="brand" href="/">
      <span className="brand__mark" aria-hidden="true" />
      <span className="brand__name">{PRODUCT_NAME}</span>
    </a>
  );
}

export function AuthLayout({ title, children, footer }: { title: string; children: ReactNode; footer?: ReactNode }) {
  usePageTitle(title);
  return (
    <div className="auth-layout">
      <div className="auth-layout__inner">
        <main className="card">
          <Brand />
          <h1>{title}</h1>
          {children}
        </main>
        {footer && <p className="auth-footer">{footer}</p>}
      </div>
    </div>
  );
}

export function AppLayout({ title, children }: { title: string; children: ReactNode }) {
  usePageTitle(title);
  const user = useUser();
  const { signOut } = useAuth();
  const [, navigate] = useLocation();
  const signingOut = useAction(async () => {
    await signOut();
    navigate('/login', { replace: true });
  });
  return (
    <>
      <header className="app-header">
        <Brand />
        <div className="app-header__user">
          <div className="app-header__who">
            <span className="app-header__name" data-testid="user-name">
              {user.displayName || user.email}
            </span>
            <span className="app-header__email" data-testid="user-email">
              {user.email}
            </span>
          </div>
          <Button variant="secondary" busy={signingOut.busy} onClick={() => void signingOut.run()}>
            Sign out
          </Button>
        </div>
      </header>
      <main className="app-main">{children}</main>
    </>
  );
}
