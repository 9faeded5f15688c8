// Loading states: a small spinner for buttons, and a block (with a spoken label) for a loading section.
export function Spinner({ large = false }: { large?: boolean }) {
  return <span className={large ? 'spinner spinner--large' : 'spinner'} aria-hidden="true" />;
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <Spinner large />
      <span>{label}</span>
    </div>
  );
}
