// Security → Recent activity: the security log (GET /api/auth/events), newest first, each event
// as a sentence (activity-sentence.ts) with the date it happened; "Show more" follows the cursor.
// It reads the log again after a change made on this page (notifyAccountChanged).
import { useState } from 'react';
import { api } from '../../../api/index.ts';
import { useAccountChanges } from '../../../app/account-changes.ts';
import { formatDateTime } from '../../../app/time.ts';
import { useAction } from '../../../app/use-action.ts';
import { useLoaded } from '../../../app/use-loaded.ts';
import { Alert, Button, Card, Loading } from '../../../ui/index.ts';
import { describeEvent, eventTone, type SecurityEvent } from './activity-sentence.ts';
import { LoadError } from './LoadError.tsx';

const PAGE_SIZE = 10;

export function ActivitySection() {
  const first = useLoaded(() => api.listSecurityEvents({ query: { limit: PAGE_SIZE } }));
  // Pages after the first, as "Show more" reads them.
  const [more, setMore] = useState<{ events: SecurityEvent[]; nextCursor: string | null } | null>(null);
  const showMore = useAction(async (cursor: string) => {
    const page = await api.listSecurityEvents({ query: { cursor, limit: PAGE_SIZE } });
    setMore((current) => ({ events: [...(current?.events ?? []), ...page.events], nextCursor: page.nextCursor }));
  });

  async function refresh() {
    setMore(null);
    await first.reload();
  }
  // A change made on this page (a device signed out) shows up here at once.
  useAccountChanges(() => void refresh());

  const events = first.status === 'ready' ? [...first.data.events, ...(more?.events ?? [])] : [];
  const nextCursor = more ? more.nextCursor : first.status === 'ready' ? first.data.nextCursor : null;

  return (
    <Card id="security-activity" title="Recent activity" description="Sign-ins and changes to your account, newest first. If you do not recognise one, change your password.">
      {first.status === 'loading' && <Loading label="Loading your activity…" />}
      {first.status === 'error' && <LoadError error={first.error} onRetry={() => void first.reload()} />}
      {first.status === 'ready' && events.length === 0 && <p className="empty-state">Nothing has happened on your account yet.</p>}
      {events.length > 0 && (
        <ul className="item-list" aria-label="Security events">
          {events.map((event) => (
            <li key={event.id} data-testid="activity-event">
              <div className="item__main">
                <p className="item__text">
                  {eventTone(event) === 'warning' && (
                    <span className="item__icon" aria-hidden="true">
                      ⚠{' '}
                    </span>
                  )}
                  {describeEvent(event)}
                </p>
                <p className="item__meta">
                  <time dateTime={event.createdAt}>{formatDateTime(event.createdAt)}</time>
                </p>
              </div>
            </li>
          ))}
        </ul>
      )}
      {showMore.error && <Alert tone="error">{showMore.error.message}</Alert>}
      {first.status === 'ready' && (
        <div className="row row--between section-actions">
          <Button variant="secondary" onClick={() => void refresh()}>
            Refresh
          </Button>
          {nextCursor ? (
            <Button variant="secondary" busy={showMore.busy} onClick={() => void showMore.run(nextCursor)}>
              Show more
            </Button>
          ) : (
            events.length > 0 && <p className="muted">That is everything.</p>
          )}
        </div>
      )}
    </Card>
  );
}
