// A fresh set of backup codes, shown once: copy, download as a .txt file (a Blob URL, nothing
// leaves the browser) or print (a print stylesheet shows only the codes).
import { useEffect, useRef } from 'react';
import { Alert, Button, useAnnounce } from '../../../../ui/index.ts';
import './two-factor.css';

const PRINTING = 'printing-backup-codes';

export function BackupCodes({ codes, email, onDone }: { codes: string[]; email: string; onDone: () => void }) {
  const announce = useAnnounce();
  const heading = useRef<HTMLHeadingElement>(null);
  const text = `Backup codes for ${email}\nEach code signs you in once when you cannot use your phone. Keep them somewhere safe.\n\n${codes.join('\n')}\n`;

  useEffect(() => {
    heading.current?.focus();
  }, []);

  async function copy() {
    try {
      await navigator.clipboard.writeText(codes.join('\n'));
      announce('Backup codes copied.');
    } catch {
      announce('Copying is not allowed here. Select the codes and copy them yourself.');
    }
  }

  function download() {
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = 'backup-codes.txt';
    document.body.append(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 1000);
    announce('Backup codes downloaded.');
  }

  function print() {
    document.documentElement.classList.add(PRINTING);
    window.addEventListener('afterprint', () => document.documentElement.classList.remove(PRINTING), { once: true });
    window.print();
  }

  return (
    <div className="backup-codes stack" data-testid="backup-codes">
      <h3 className="backup-codes__title" tabIndex={-1} ref={heading}>
        Your backup codes
      </h3>
      <Alert tone="info">Save these now: they are shown only once. Each code signs you in once when you cannot use your phone.</Alert>
      <p className="backup-codes__print-only">Backup codes for {email}</p>
      <ol className="backup-codes__list" aria-label="Backup codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <div className="row backup-codes__actions">
        <Button variant="secondary" onClick={copy}>
          Copy
        </Button>
        <Button variant="secondary" onClick={download}>
          Download (.txt)
        </Button>
        <Button variant="secondary" onClick={print}>
          Print
        </Button>
        <Button onClick={onDone}>I have saved them</Button>
      </div>
    </div>
  );
}
