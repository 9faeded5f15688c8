// "Something about the account just changed here" (a device signed out, a password changed), so
// sections that show the account's state — Recent activity — read it again without a reload.
import { useEffect, useRef } from 'react';

const EVENT = 'gatehouse:account-changed';

export function notifyAccountChanged(): void {
  window.dispatchEvent(new Event(EVENT));
}

/** Calls `onChange` after every notifyAccountChanged() while the component is mounted. */
export function useAccountChanges(onChange: () => void): void {
  const latest = useRef(onChange);
  latest.current = onChange;
  useEffect(() => {
    const listener = () => latest.current();
    window.addEventListener(EVENT, listener);
    return () => window.removeEventListener(EVENT, listener);
  }, []);
}
