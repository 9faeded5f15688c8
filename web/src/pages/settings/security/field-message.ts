// The server names a field's problem as a phrase ("is not correct") or a whole sentence (a weak
// password's reason); next to the field it reads best as a sentence about that field.
export function fieldMessage(label: string, text: string | undefined): string | undefined {
  if (!text) return undefined;
  return /^[a-z]/.test(text) ? `${label} ${text.replace(/\.$/, '')}.` : text;
}
