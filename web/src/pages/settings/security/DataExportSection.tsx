// Security → Your data. To build: filled in by the data-export work (POST /api/auth/export).
import { Card } from '../../../ui/index.ts';
import { Placeholder } from './Placeholder.tsx';

export function DataExportSection() {
  return (
    <Card id="security-data-export" title="Your data" description="Download a copy of everything this service keeps about you.">
      <Placeholder>Coming soon.</Placeholder>
    </Card>
  );
}
