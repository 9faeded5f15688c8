// Shows how strong the new password is: five bars for the server's score (0–4), a word, and the
// server's own reason and hint. The words are read politely by screen readers as they change.
import type { StrengthState } from './use-password-strength.ts';
import './strength-meter.css';

const LABELS = ['Very weak', 'Weak', 'Fair', 'Strong', 'Very strong'] as const;

export function StrengthMeter({ state, id }: { state: StrengthState; id: string }) {
  const verdict = state.kind === 'rated' ? state.verdict : state.kind === 'checking' ? state.last : null;
  const score = verdict?.score ?? -1;
  const tone = !verdict ? 'none' : verdict.acceptable ? 'good' : 'weak';
  return (
    <div className={`strength strength--${tone}`} id={id} data-testid="strength-meter" data-score={score}>
      <div className="strength__bars" aria-hidden="true">
        {LABELS.map((label, index) => (
          <span key={label} className={index <= score ? 'strength__bar strength__bar--on' : 'strength__bar'} />
        ))}
      </div>
      <div className="strength__text" aria-live="polite">
        {state.kind === 'empty' && <span className="muted">Use a few unrelated words: length makes a password strong.</span>}
        {state.kind === 'unavailable' && <span className="muted">{state.message}</span>}
        {verdict && (
          <>
            <span className="strength__label">
              Strength: {LABELS[verdict.score]}
              {verdict.acceptable ? ' — good to use' : ' — not accepted'}
            </span>
            {verdict.reason && <span className="strength__reason">{verdict.reason}</span>}
            {verdict.hint && <span className="strength__hint">{verdict.hint}</span>}
          </>
        )}
        {state.kind === 'checking' && !verdict && <span className="muted">Checking…</span>}
      </div>
    </div>
  );
}
