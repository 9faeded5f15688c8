// Security → Delete account. To build: filled in by the account-deletion work (DELETE /api/auth/account with the password and a code).
import { Card } from '../../../ui/index.ts';
import { Placeholder } from './Placeholder.tsx';

export function DeleteAccountSection() {
  return (
    <Card id="security-delete-account" title="Delete account" description="Delete your account and everything in it. This cannot be undone.">
      <Placeholder>Coming soon.</Placeholder>
    </Card>
  );
}
