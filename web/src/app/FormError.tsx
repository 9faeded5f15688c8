// The refusal of a form, above its fields: shown unless every field the server named already shows
// its own message next to its input (so nothing is said twice and nothing is lost).
import type { ApiError } from '../api/index.ts';
import { Alert } from '../ui/index.ts';

export function FormError({ error, shownFields = [] }: { error: ApiError | null; shownFields?: string[] }) {
  if (!error) return null;
  const named = Object.keys(error.fields);
  if (named.length > 0 && named.every((field) => shownFields.includes(field))) return null;
  return <Alert tone="error">{error.message}</Alert>;
}
