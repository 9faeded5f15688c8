// Security → Delete account: not offered yet, and the page says so plainly. The account-deletion work fills it in (DELETE /api/auth/account with the password and a code).
import { Card } from '../../../ui/index.ts';
import { Placeholder } from './Placeholder.tsx';

export function DeleteAccountSection() {
  return (
    <Card id="security-delete-account" title="Delete account" description="Deleting your account and everything in it, for good.">
      <Placeholder>Not available yet: this version cannot delete an account from this page.</Placeholder>
    </Card>
  );
}
