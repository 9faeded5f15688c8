// Marks a Security section whose contents are still to be built; each section file replaces it.
export function Placeholder({ children }: { children: string }) {
  return (
    <p className="placeholder" data-testid="placeholder">
      {children}
    </p>
  );
}
