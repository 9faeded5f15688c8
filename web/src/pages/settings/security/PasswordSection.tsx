// Security → Password. To build: current + new password with a live strength meter (the server's reasons from fields.newPassword), api.changePassword(data).
import { Card } from '../../../ui/index.ts';
import { Placeholder } from './Placeholder.tsx';

export function PasswordSection() {
  return (
    <Card id="security-password" title="Password" description="Change the password you sign in with. Your other devices will be signed out.">
      <Placeholder>Coming soon.</Placeholder>
    </Card>
  );
}
