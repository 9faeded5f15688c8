// Security → Remembered devices. To build: the trusted devices listed with the sessions; forgetTrustedDevice.
import { Card } from '../../../ui/index.ts';
import { Placeholder } from './Placeholder.tsx';

export function TrustedDevicesSection() {
  return (
    <Card id="security-trusted-devices" title="Remembered devices" description="Browsers that skip the second step for 30 days.">
      <Placeholder>Coming soon.</Placeholder>
    </Card>
  );
}
