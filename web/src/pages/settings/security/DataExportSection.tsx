// Security → Your data: not offered yet, and the page says so plainly. The data-export work fills it in (POST /api/auth/export).
import { Card } from '../../../ui/index.ts';
import { Placeholder } from './Placeholder.tsx';

export function DataExportSection() {
  return (
    <Card id="security-data-export" title="Your data" description="A copy of everything this service keeps about you, to download.">
      <Placeholder>Not available yet: this version has no download of your data.</Placeholder>
    </Card>
  );
}
