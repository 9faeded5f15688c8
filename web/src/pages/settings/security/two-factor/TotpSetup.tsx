// Setting up an authenticator app: the QR code the server drew (a data: URL, which the CSP's
// img-src allows) and the same key to type in, grouped by four; then a code from the app
// confirms it (verify-setup). The backup codes the start handed out are shown once it is on.
import { useEffect, useRef, type FormEvent } from 'react';
import { api, type ResponseOf } from '../../../../api/index.ts';
import { FormError } from '../../../../app/FormError.tsx';
import { useAction } from '../../../../app/use-action.ts';
import { Button, TextField, useAnnounce } from '../../../../ui/index.ts';
import { fieldMessage } from '../field-message.ts';
import { submittedCode } from './submitted-code.ts';
import './two-factor.css';

export type TotpSetupStart = ResponseOf<'startTotpSetup'>;

/** "JBSWY3DPEHPK3PXP" → "JBSW Y3DP EHPK 3PXP": easier to read and type. */
function grouped(secret: string): string {
  return secret.match(/.{1,4}/g)?.join(' ') ?? secret;
}

export function TotpSetup({ setup, onVerified, onCancel }: { setup: TotpSetupStart; onVerified: () => void; onCancel: () => void }) {
  const announce = useAnnounce();
  const heading = useRef<HTMLHeadingElement>(null);
  const verify = useAction((code: string) => api.verify2FASetup(code));

  useEffect(() => {
    heading.current?.focus();
  }, []);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    const answer = await verify.run(submittedCode(event, 'token'));
    if (!answer) return;
    announce(answer.message);
    onVerified();
  }

  async function copyKey() {
    try {
      await navigator.clipboard.writeText(setup.secret);
      announce('Key copied.');
    } catch {
      announce('Copying is not allowed here. Select the key and copy it yourself.');
    }
  }

  return (
    <div className="totp-setup stack" data-testid="totp-setup">
      <h3 tabIndex={-1} ref={heading}>
        Set up your authenticator app
      </h3>
      <ol className="totp-setup__steps">
        <li>Open an authenticator app on your phone (for example Google Authenticator, Microsoft Authenticator, 1Password or Aegis).</li>
        <li>Scan this QR code with it, or type the key below.</li>
        <li>Enter the 6-digit code the app shows.</li>
      </ol>
      <div className="totp-setup__grid">
        <img className="totp-setup__qr" src={setup.qrCodeUrl} width={256} height={256} alt="QR code to scan with your authenticator app" />
        <div className="stack">
          <div>
            <p className="field__label">
              Can't scan it? Type this key
            </p>
            <p className="totp-setup__key" data-testid="totp-key">
              <code>{grouped(setup.secret)}</code>
            </p>
            <Button variant="secondary" onClick={copyKey}>
              Copy key
            </Button>
          </div>
          <form className="stack" onSubmit={onSubmit} noValidate aria-label="Confirm authenticator app">
            <FormError error={verify.error} shownFields={['token']} />
            <TextField
              label="6-digit code from the app"
              name="token"
              autoComplete="one-time-code"
              inputMode="numeric"
              pattern="[0-9 ]*"
              maxLength={8}
              required
              error={fieldMessage('The code', verify.fieldError('token'))}
            />
            <div className="row">
              <Button type="submit" busy={verify.busy}>
                Turn on
              </Button>
              <Button variant="secondary" onClick={onCancel}>
                Cancel
              </Button>
            </div>
          </form>
        </div>
      </div>
    </div>
  );
}
