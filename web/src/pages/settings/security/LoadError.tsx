// A section whose data could not be read: the reason and a way to try again.
import type { ApiError } from '../../../api/index.ts';
import { Alert, Button } from '../../../ui/index.ts';

export function LoadError({ error, onRetry }: { error: ApiError; onRetry(): void }) {
  return (
    <Alert tone="error">
      <p>{error.message}</p>
      <Button variant="secondary" onClick={onRetry}>
        Try again
      </Button>
    </Alert>
  );
}
