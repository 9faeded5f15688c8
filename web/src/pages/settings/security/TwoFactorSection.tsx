// Security → Two-step verification: what is on (GET 2fa/status), setting up an authenticator app
// or a phone, the backup codes (shown once, after set-up or regeneration; a warning when few are
// left) and turning it off. Each step is its own component in ./two-factor/.
import { useState } from 'react';
import { api } from '../../../api/index.ts';
import { notifyAccountChanged } from '../../../app/account-changes.ts';
import { useUser } from '../../../app/auth.tsx';
import { FormError } from '../../../app/FormError.tsx';
import { useReauth } from '../../../app/reauth.tsx';
import { useAction } from '../../../app/use-action.ts';
import { Alert, Button, Card, Loading, useAnnounce } from '../../../ui/index.ts';
import { BackupCodes } from './two-factor/BackupCodes.tsx';
import { DisableTwoFactorDialog } from './two-factor/DisableTwoFactorDialog.tsx';
import { SmsEnrolment } from './two-factor/SmsEnrolment.tsx';
import { reloadTwoFactorStatus, twoFactorChanged, useTwoFactorStatus, type TwoFactorStatus } from './two-factor/status.ts';
import { TotpSetup, type TotpSetupStart } from './two-factor/TotpSetup.tsx';

/** At or below this many unused backup codes, the section says to make new ones (as the sign-in notice does). */
const FEW_BACKUP_CODES = 2;

type Step = { kind: 'overview' } | { kind: 'totp'; setup: TotpSetupStart } | { kind: 'sms' } | { kind: 'codes'; codes: string[] };

export function TwoFactorSection() {
  const user = useUser();
  const state = useTwoFactorStatus(user.id);
  const [step, setStep] = useState<Step>({ kind: 'overview' });
  const withReauth = useReauth();
  const announce = useAnnounce();
  const start = useAction(() => withReauth(() => api.enable2FA()));
  const regenerate = useAction(() => withReauth(() => api.regenerateBackupCodes()));
  const [disabling, setDisabling] = useState(false);

  async function startTotp() {
    const setup = await start.run();
    if (!setup) return;
    notifyAccountChanged();
    setStep({ kind: 'totp', setup });
  }

  async function regenerateCodes() {
    const answer = await regenerate.run();
    if (!answer) return;
    announce('New backup codes made. The old ones no longer work.');
    setStep({ kind: 'codes', codes: answer.backupCodes });
    void twoFactorChanged();
  }

  /** After a factor is turned on: its backup codes when it brought some, else the overview. */
  function enabled(codes: string[]) {
    void twoFactorChanged();
    setStep(codes.length > 0 ? { kind: 'codes', codes } : { kind: 'overview' });
  }

  function backToOverview() {
    setStep({ kind: 'overview' });
  }

  let content;
  if (step.kind === 'totp') content = <TotpSetup setup={step.setup} onVerified={() => enabled(step.setup.backupCodes)} onCancel={backToOverview} />;
  else if (step.kind === 'sms') content = <SmsEnrolment onEnabled={enabled} onCancel={backToOverview} />;
  else if (step.kind === 'codes') content = <BackupCodes codes={step.codes} email={user.email} onDone={backToOverview} />;
  else if (state.kind === 'loading') content = <Loading label="Loading your two-step verification settings…" />;
  else if (state.kind === 'failed')
    content = (
      <div className="stack">
        <Alert tone="error">{state.message}</Alert>
        <div>
          <Button variant="secondary" onClick={() => void reloadTwoFactorStatus()}>
            Try again
          </Button>
        </div>
      </div>
    );
  else
    content = (
      <Overview
        status={state.status}
        onStartTotp={startTotp}
        starting={start.busy}
        onStartSms={() => setStep({ kind: 'sms' })}
        onRegenerate={regenerateCodes}
        regenerating={regenerate.busy}
        onDisable={() => setDisabling(true)}
      />
    );

  return (
    <Card id="security-two-factor" title="Two-step verification" description="A code from an app on your phone, asked for at every sign-in.">
      <div className="stack">
        <FormError error={start.error ?? regenerate.error} />
        {content}
      </div>
      <DisableTwoFactorDialog
        open={disabling}
        onClose={() => setDisabling(false)}
        onDisabled={() => {
          setDisabling(false);
          setStep({ kind: 'overview' });
          void twoFactorChanged();
        }}
      />
    </Card>
  );
}

interface OverviewProps {
  status: TwoFactorStatus;
  onStartTotp(): void;
  starting: boolean;
  onStartSms(): void;
  onRegenerate(): void;
  regenerating: boolean;
  onDisable(): void;
}

function Overview({ status, onStartTotp, starting, onStartSms, onRegenerate, regenerating, onDisable }: OverviewProps) {
  const hasApp = status.methods.includes('totp');
  const hasPhone = status.methods.includes('sms');
  if (!status.enabled) {
    return (
      <div className="stack" data-testid="two-factor-off">
        <p>
          <span className="badge badge--off">Off</span> Anyone who learns your password can sign in as you. Turn on two-step verification so a sign-in also needs your phone.
        </p>
        <div className="row">
          <Button onClick={onStartTotp} busy={starting}>
            Set up an authenticator app
          </Button>
          <Button variant="secondary" onClick={onStartSms}>
            Use text messages instead
          </Button>
        </div>
      </div>
    );
  }
  const few = status.backupCodesRemaining <= FEW_BACKUP_CODES;
  return (
    <div className="stack" data-testid="two-factor-on">
      <p>
        <span className="badge badge--on">On</span> A sign-in needs your password and a code.
      </p>
      <ul className="factor-list">
        <li>
          <span className="factor-list__name">Authenticator app</span>
          <span className="muted">{hasApp ? 'Set up' : 'Not set up'}</span>
        </li>
        <li>
          <span className="factor-list__name">Text messages</span>
          <span className="muted">{hasPhone ? `To ${status.phoneNumber ?? 'your phone'}` : 'Not set up'}</span>
        </li>
        <li>
          <span className="factor-list__name">Backup codes</span>
          <span className={few ? 'factor-list__warn' : 'muted'} data-testid="backup-codes-remaining">
            {status.backupCodesRemaining} unused
          </span>
        </li>
      </ul>
      {few && (
        <Alert tone="error">
          {status.backupCodesRemaining === 0 ? 'You have no backup codes left.' : `Only ${status.backupCodesRemaining} backup ${status.backupCodesRemaining === 1 ? 'code is' : 'codes are'} left.`} Make new ones so you can still sign in if you lose your phone.
        </Alert>
      )}
      <div className="row">
        <Button variant="secondary" onClick={onRegenerate} busy={regenerating}>
          Make new backup codes
        </Button>
        {!hasApp && (
          <Button variant="secondary" onClick={onStartTotp}>
            Add an authenticator app
          </Button>
        )}
        {!hasPhone && (
          <Button variant="secondary" onClick={onStartSms}>
            Add a phone for text messages
          </Button>
        )}
        <Button variant="danger" onClick={onDisable}>
          Turn off
        </Button>
      </div>
    </div>
  );
}
