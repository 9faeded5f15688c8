// Marks a Security section that this version does not offer yet: a "Coming soon" badge and one
// plain sentence saying what is missing, never a control that does nothing.
export function Placeholder({ children }: { children: string }) {
  return (
    <p className="placeholder" data-testid="placeholder">
      <span className="badge badge--info">Coming soon</span> {children}
    </p>
  );
}
