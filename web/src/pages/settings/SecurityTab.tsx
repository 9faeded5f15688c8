// The Security tab: one section per capability, each its own component in ./security/, each a
// Card whose id (security-<name>) a link can jump to (#security-sessions).
import { ActivitySection } from './security/ActivitySection.tsx';
import { ConnectedAccountsSection } from './security/ConnectedAccountsSection.tsx';
import { DataExportSection } from './security/DataExportSection.tsx';
import { DeleteAccountSection } from './security/DeleteAccountSection.tsx';
import { EmailChangeSection } from './security/EmailChangeSection.tsx';
import { PasswordSection } from './security/PasswordSection.tsx';
import { SessionsSection } from './security/SessionsSection.tsx';
import { TrustedDevicesSection } from './security/TrustedDevicesSection.tsx';
import { TwoFactorSection } from './security/TwoFactorSection.tsx';

export function SecurityTab() {
  return (
    <div className="stack">
      <PasswordSection />
      <TwoFactorSection />
      <SessionsSection />
      <TrustedDevicesSection />
      <ActivitySection />
      <EmailChangeSection />
      <ConnectedAccountsSection />
      <DataExportSection />
      <DeleteAccountSection />
    </div>
  );
}
