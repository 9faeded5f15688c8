// Security → Where you are signed in: every live session with its device, place, masked address,
// last activity, trust and how it was verified; "This device" marks the one showing the page.
// Signing one out, or all the others, asks first, then reads the list again and says what happened.
import { useState } from 'react';
import { api, type SessionView } from '../../../api/index.ts';
import { notifyAccountChanged } from '../../../app/account-changes.ts';
import { useReauth } from '../../../app/reauth.tsx';
import { formatDateTime, formatRelative } from '../../../app/time.ts';
import { useAction } from '../../../app/use-action.ts';
import { useLoaded } from '../../../app/use-loaded.ts';
import { Button, Card, ConfirmDialog, Loading, useAnnounce } from '../../../ui/index.ts';
import { LoadError } from './LoadError.tsx';

const VERIFICATION: Record<SessionView['verification'], string> = {
  password: 'Signed in with a password',
  two_factor: 'Signed in with a password and a code',
  trusted_device: 'Signed in with a password on a remembered device',
  oauth: 'Signed in with a connected account',
};

/** The trust score in words; the number stays next to it. */
function trust(score: number): { label: string; tone: 'success' | 'info' | 'danger' } {
  if (score >= 70) return { label: 'High trust', tone: 'success' };
  if (score >= 50) return { label: 'Medium trust', tone: 'info' };
  return { label: 'Low trust', tone: 'danger' };
}

function SessionItem({ session, onSignOut }: { session: SessionView; onSignOut(session: SessionView): void }) {
  const level = trust(session.trustScore);
  const place = [session.location, session.ipAddress].filter(Boolean).join(' · ');
  return (
    <li data-testid="session">
      <div className="item__main">
        <p className="item__title">
          <span>{session.device}</span>
          {session.current && <span className="badge badge--success">This device</span>}
          <span className={`badge badge--${level.tone}`} title="From how this session was verified, whether the device and network are known, and its age">
            {level.label} ({session.trustScore}/100)
          </span>
        </p>
        {place && <p className="item__meta">{place}</p>}
        <p className="item__meta">
          {session.current ? 'Active now' : <>Last active <time dateTime={session.lastActiveAt} title={formatDateTime(session.lastActiveAt)}>{formatRelative(session.lastActiveAt)}</time></>}
          {' · '}
          {VERIFICATION[session.verification]} <time dateTime={session.createdAt} title={formatDateTime(session.createdAt)}>{formatRelative(session.createdAt)}</time>
        </p>
      </div>
      {!session.current && (
        <Button variant="secondary" onClick={() => onSignOut(session)} aria-label={`Sign out ${session.device}${session.location ? ` in ${session.location}` : ''}`}>
          Sign out
        </Button>
      )}
    </li>
  );
}

export function SessionsSection() {
  const list = useLoaded(() => api.listSessions());
  const withReauth = useReauth();
  const announce = useAnnounce();
  const [asking, setAsking] = useState<{ kind: 'one'; session: SessionView } | { kind: 'others' } | null>(null);

  const signOut = useAction(async (target: NonNullable<typeof asking>) => {
    if (target.kind === 'one') {
      await withReauth(() => api.revokeSession({ path: { id: target.session.id } }));
      announce(`${target.session.device} is signed out.`);
    } else {
      const { revoked } = await withReauth(() => api.revokeOtherSessions());
      announce(revoked === 1 ? 'One other device is signed out.' : `${revoked} other devices are signed out.`);
    }
    setAsking(null);
    notifyAccountChanged();
    await list.reload();
  });

  function cancel() {
    setAsking(null);
    signOut.clearError();
  }

  // This device first, then the most recently active.
  const sessions = list.status === 'ready' ? [...list.data.sessions].sort((a, b) => Number(b.current) - Number(a.current) || b.lastActiveAt.localeCompare(a.lastActiveAt)) : [];
  const others = sessions.filter((session) => !session.current);

  return (
    <Card id="security-sessions" title="Where you are signed in" description="Every device signed in to your account. Sign out any you do not recognise.">
      {list.status === 'loading' && <Loading label="Loading your sessions…" />}
      {list.status === 'error' && <LoadError error={list.error} onRetry={() => void list.reload()} />}
      {list.status === 'ready' && (
        <>
          <ul className="item-list" aria-label="Signed-in devices">
            {sessions.map((session) => (
              <SessionItem key={session.id} session={session} onSignOut={(target) => setAsking({ kind: 'one', session: target })} />
            ))}
          </ul>
          <div className="row row--between section-actions">
            <p className="muted">
              {others.length === 0 ? 'No other device is signed in.' : others.length === 1 ? 'One other device is signed in.' : `${others.length} other devices are signed in.`}
            </p>
            {others.length > 0 && (
              <Button variant="danger" onClick={() => setAsking({ kind: 'others' })}>
                Sign out all other sessions
              </Button>
            )}
          </div>
        </>
      )}
      <ConfirmDialog
        open={asking !== null}
        title={asking?.kind === 'one' ? `Sign out ${asking.session.device}?` : 'Sign out all other sessions?'}
        description={
          asking?.kind === 'one'
            ? 'That device is sent back to the sign-in page on its next action. Change your password too if you do not recognise it.'
            : 'Every device except this one is sent back to the sign-in page on its next action.'
        }
        confirmLabel={asking?.kind === 'one' ? 'Sign out' : 'Sign out all others'}
        danger
        busy={signOut.busy}
        error={signOut.error?.message}
        onConfirm={() => asking && void signOut.run(asking)}
        onCancel={cancel}
      />
    </Card>
  );
}
