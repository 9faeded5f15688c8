// Results and refusals shown in the page. An error is role="alert" (read at once), anything else
// role="status" (read politely). `useAnnounce` speaks a result that has no place on the page
// (e.g. "Session revoked") through one live region the app mounts once (AnnouncerProvider).
import { createContext, useCallback, useContext, useState, type ReactNode } from 'react';

export interface AlertProps {
  tone?: 'error' | 'success' | 'info';
  children: ReactNode;
  id?: string;
}

const ICONS = { error: '⚠', success: '✓', info: 'ℹ' } as const;

export function Alert({ tone = 'info', children, id }: AlertProps) {
  return (
    <div className={`alert alert--${tone}`} role={tone === 'error' ? 'alert' : 'status'} id={id}>
      <span aria-hidden="true">{ICONS[tone]}</span>
      <div className="alert__body">{children}</div>
    </div>
  );
}

const AnnounceContext = createContext<(message: string) => void>(() => {});

export function AnnouncerProvider({ children }: { children: ReactNode }) {
  const [message, setMessage] = useState('');
  const announce = useCallback((text: string) => {
    // Clearing first makes the same message, announced twice, be read twice.
    setMessage('');
    window.setTimeout(() => setMessage(text), 50);
  }, []);
  return (
    <AnnounceContext.Provider value={announce}>
      {children}
      <div className="visually-hidden" role="status" aria-live="polite" data-testid="announcer">
        {message}
      </div>
    </AnnounceContext.Provider>
  );
}

export function useAnnounce(): (message: string) => void {
  return useContext(AnnounceContext);
}
