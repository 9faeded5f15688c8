// Security → Remembered devices: the browsers where "Remember this device" skips the second step,
// listed with the sessions (GET /api/auth/sessions → trustedDevices). "Forget" makes that browser
// ask for a code again at its next sign-in.
import { useState } from 'react';
import { api, type ResponseOf } from '../../../api/index.ts';
import { notifyAccountChanged } from '../../../app/account-changes.ts';
import { useReauth } from '../../../app/reauth.tsx';
import { formatDate, formatDateTime, formatRelative } from '../../../app/time.ts';
import { useAction } from '../../../app/use-action.ts';
import { useLoaded } from '../../../app/use-loaded.ts';
import { Alert, Button, Card, Loading, useAnnounce } from '../../../ui/index.ts';
import { LoadError } from './LoadError.tsx';

type TrustedDevice = ResponseOf<'listSessions'>['trustedDevices'][number];

export function TrustedDevicesSection() {
  const list = useLoaded(async () => (await api.listSessions()).trustedDevices);
  const withReauth = useReauth();
  const announce = useAnnounce();
  const [forgetting, setForgetting] = useState<string | null>(null);

  const forget = useAction(async (device: TrustedDevice) => {
    setForgetting(device.id);
    try {
      await withReauth(() => api.forgetTrustedDevice({ path: { id: device.id } }));
      announce(`${device.device} is forgotten: it asks for a code at its next sign-in.`);
      notifyAccountChanged();
      await list.reload();
    } finally {
      setForgetting(null);
    }
  });

  return (
    <Card id="security-trusted-devices" title="Remembered devices" description="Browsers where you chose “Remember this device”: they skip the code at sign-in for a while.">
      {list.status === 'loading' && <Loading label="Loading remembered devices…" />}
      {list.status === 'error' && <LoadError error={list.error} onRetry={() => void list.reload()} />}
      {forget.error && <Alert tone="error">{forget.error.message}</Alert>}
      {list.status === 'ready' && list.data.length === 0 && (
        <p className="empty-state">No remembered devices. Tick “Remember this device” at the second step of sign-in to add one.</p>
      )}
      {list.status === 'ready' && list.data.length > 0 && (
        <ul className="item-list" aria-label="Remembered devices">
          {list.data.map((device) => (
            <li key={device.id} data-testid="trusted-device">
              <div className="item__main">
                <p className="item__title">{device.device}</p>
                <p className="item__meta">
                  {[device.location, `remembered on ${formatDate(device.createdAt)}`].filter(Boolean).join(' · ')}
                </p>
                <p className="item__meta">
                  {device.lastUsedAt ? (
                    <>
                      Last used <time dateTime={device.lastUsedAt} title={formatDateTime(device.lastUsedAt)}>{formatRelative(device.lastUsedAt)}</time>
                    </>
                  ) : (
                    'Not used to skip a code yet'
                  )}
                  {' · '}
                  remembered until <time dateTime={device.expiresAt}>{formatDate(device.expiresAt)}</time>
                </p>
              </div>
              <Button variant="secondary" busy={forgetting === device.id} onClick={() => void forget.run(device)} aria-label={`Forget ${device.device}`}>
                Forget
              </Button>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
