// Security → Connected accounts: not offered yet, and the page says so plainly. The social sign-in work fills it in (GET /api/auth/providers, /api/auth/connections).
import { Card } from '../../../ui/index.ts';
import { Placeholder } from './Placeholder.tsx';

export function ConnectedAccountsSection() {
  return (
    <Card id="security-connected-accounts" title="Connected accounts" description="Signing in with another account, such as Google or GitHub.">
      <Placeholder>Not available yet: for now you sign in with your email address and password only.</Placeholder>
    </Card>
  );
}
