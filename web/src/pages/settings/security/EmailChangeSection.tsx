// Security → Email address. To build: requestEmailChange with the password (and a code with two-step verification on), wrapped in useReauth.
import { Card } from '../../../ui/index.ts';
import { Placeholder } from './Placeholder.tsx';

export function EmailChangeSection() {
  return (
    <Card id="security-email" title="Email address" description="Move your account to another address. We send a link to the new one.">
      <Placeholder>Coming soon.</Placeholder>
    </Card>
  );
}
