// Security → Two-step verification. To build: status (getTwoFactorStatus); set-up with the QR image and manual key (api.enable2FA), the code (api.verify2FASetup), backup codes with copy, download (.txt) and print; regenerate (api.regenerateBackupCodes, wrapped in useReauth); disable with password and code (api.disable2FA); SMS phone enrolment (addSmsPhone, confirmSmsPhone).
import { Card } from '../../../ui/index.ts';
import { Placeholder } from './Placeholder.tsx';

export function TwoFactorSection() {
  return (
    <Card id="security-two-factor" title="Two-step verification" description="A code from an app on your phone, asked for at every sign-in.">
      <Placeholder>Coming soon.</Placeholder>
    </Card>
  );
}
