// Security → Recent activity. To build: listSecurityEvents, paginated by cursor, each event in plain words ("Password changed from Firefox on Linux in Berlin").
import { Card } from '../../../ui/index.ts';
import { Placeholder } from './Placeholder.tsx';

export function ActivitySection() {
  return (
    <Card id="security-activity" title="Recent activity" description="Sign-ins and changes to your account.">
      <Placeholder>Coming soon.</Placeholder>
    </Card>
  );
}
