// Security → Connected accounts. To build: filled in by the social sign-in work (GET /api/auth/providers, /api/auth/connections).
import { Card } from '../../../ui/index.ts';
import { Placeholder } from './Placeholder.tsx';

export function ConnectedAccountsSection() {
  return (
    <Card id="security-connected-accounts" title="Connected accounts" description="Sign in with Google or GitHub.">
      <Placeholder>Coming soon.</Placeholder>
    </Card>
  );
}
