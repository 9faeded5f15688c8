// Data a section shows, read from the API when it mounts: loading, the data, or the error it
// ended with; `reload()` reads it again (after a change) without blanking what is shown.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, isApiError } from '../api/index.ts';

export type Loaded<T> = { status: 'loading' } | { status: 'error'; error: ApiError } | { status: 'ready'; data: T };

export function useLoaded<T>(load: () => Promise<T>): Loaded<T> & { reload(): Promise<void> } {
  const latest = useRef(load);
  latest.current = load;
  const [state, setState] = useState<Loaded<T>>({ status: 'loading' });
  const reload = useCallback(async () => {
    try {
      const data = await latest.current();
      setState({ status: 'ready', data });
    } catch (caught) {
      setState({ status: 'error', error: isApiError(caught) ? caught : new ApiError({ code: 'UNEXPECTED_RESPONSE', message: 'Something went wrong. Try again.', status: 0 }) });
    }
  }, []);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { ...state, reload };
}
