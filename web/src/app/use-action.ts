// Runs one API action for a form or button: `busy` while it runs, the ApiError it ended with (its
// `fields` go next to their inputs), and nothing thrown at the component.
import { useCallback, useRef, useState } from 'react';
import { ApiError, isApiError } from '../api/index.ts';

export interface Action<Args extends unknown[], Result> {
  /** Resolves to the result, or to undefined when the action failed (then `error` is set). */
  run(...args: Args): Promise<Result | undefined>;
  busy: boolean;
  error: ApiError | null;
  /** The server's message for one body field, to show next to its input. */
  fieldError(name: string): string | undefined;
  clearError(): void;
}

export function useAction<Args extends unknown[], Result>(action: (...args: Args) => Promise<Result>): Action<Args, Result> {
  const latest = useRef(action);
  latest.current = action;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const run = useCallback(async (...args: Args) => {
    setBusy(true);
    setError(null);
    try {
      return await latest.current(...args);
    } catch (caught) {
      setError(isApiError(caught) ? caught : new ApiError({ code: 'UNEXPECTED_RESPONSE', message: 'Something went wrong. Try again.', status: 0 }));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { run, busy, error, fieldError: (name) => error?.fields[name], clearError: useCallback(() => setError(null), []) };
}
