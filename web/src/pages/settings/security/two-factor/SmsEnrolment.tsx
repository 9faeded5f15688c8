// Text-message codes: a phone number in international form (E.164) → the server texts a code and
// warns that an authenticator app is safer (a SIM swap steals texts) → the code confirms the phone.
// Adding a phone needs a recent sign-in, so it goes through useReauth.
import { useState, type FormEvent } from 'react';
import { api } from '../../../../api/index.ts';
import { FormError } from '../../../../app/FormError.tsx';
import { useReauth } from '../../../../app/reauth.tsx';
import { useAction } from '../../../../app/use-action.ts';
import { Alert, Button, TextField, useAnnounce } from '../../../../ui/index.ts';
import { fieldMessage } from '../field-message.ts';
import { submittedCode } from './submitted-code.ts';

export function SmsEnrolment({ onEnabled, onCancel }: { onEnabled: (backupCodes: string[]) => void; onCancel: () => void }) {
  const announce = useAnnounce();
  const withReauth = useReauth();
  const [sent, setSent] = useState<{ to: string; warning: string } | null>(null);
  const send = useAction((phoneNumber: string) => withReauth(() => api.addSmsPhone({ body: { phoneNumber } })));
  const confirm = useAction((code: string) => api.confirmSmsPhone({ body: { code } }));

  async function onSend(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const phoneNumber = String(new FormData(event.currentTarget).get('phoneNumber') ?? '').replace(/[\s()-]/g, '');
    const answer = await send.run(phoneNumber);
    if (!answer) return;
    setSent({ to: phoneNumber, warning: answer.warning });
    announce(answer.message);
  }

  async function onConfirm(event: FormEvent<HTMLFormElement>) {
    const answer = await confirm.run(submittedCode(event, 'code'));
    if (!answer) return;
    announce(answer.message);
    onEnabled(answer.backupCodes);
  }

  return (
    <div className="stack" data-testid="sms-enrolment">
      <h3>Text-message codes</h3>
      {!sent ? (
        <form className="stack" onSubmit={onSend} noValidate aria-label="Add a phone">
          <Alert tone="info">An authenticator app is safer than text messages: someone who talks your mobile carrier into moving your number (a SIM swap) receives your codes.</Alert>
          <FormError error={send.error} shownFields={['phoneNumber']} />
          <TextField
            label="Mobile number"
            name="phoneNumber"
            type="tel"
            autoComplete="tel"
            inputMode="tel"
            required
            hint="In international form, starting with + and the country code, e.g. +44 7700 900123."
            error={fieldMessage('The number', send.fieldError('phoneNumber'))}
          />
          <div className="row">
            <Button type="submit" busy={send.busy}>
              Text me a code
            </Button>
            <Button variant="secondary" onClick={onCancel}>
              Cancel
            </Button>
          </div>
        </form>
      ) : (
        <form className="stack" onSubmit={onConfirm} noValidate aria-label="Confirm your phone">
          <p>
            We sent a 6-digit code to <strong>{sent.to}</strong>. It works for 5 minutes.
          </p>
          <Alert tone="info">{sent.warning}</Alert>
          <FormError error={confirm.error} shownFields={['code']} />
          <TextField label="6-digit code from the text" name="code" autoComplete="one-time-code" inputMode="numeric" maxLength={8} required autoFocus error={fieldMessage('The code', confirm.fieldError('code'))} />
          <div className="row">
            <Button type="submit" busy={confirm.busy}>
              Confirm phone
            </Button>
            <Button variant="secondary" onClick={() => setSent(null)}>
              Use another number
            </Button>
          </div>
        </form>
      )}
    </div>
  );
}
