// Security → Where you are signed in. To build: listSessions with device, location, last active, trust and "this device"; revokeSession, revokeOtherSessions.
import { Card } from '../../../ui/index.ts';
import { Placeholder } from './Placeholder.tsx';

export function SessionsSection() {
  return (
    <Card id="security-sessions" title="Where you are signed in" description="Every device signed in to your account. Sign out any you do not recognise.">
      <Placeholder>Coming soon.</Placeholder>
    </Card>
  );
}
