// What a code form sent: the field's text without the spaces people type between digit groups.
import type { FormEvent } from 'react';

export function submittedCode(event: FormEvent<HTMLFormElement>, field: string): string {
  event.preventDefault();
  return String(new FormData(event.currentTarget).get(field) ?? '').replace(/\s+/g, '');
}
