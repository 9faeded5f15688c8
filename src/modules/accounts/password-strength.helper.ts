// Runs zxcvbn-ts in a helper process: its dictionaries take ~60 MB and an estimate can take tens
// of milliseconds, neither of which belongs in the process that answers session checks.
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as english from '@zxcvbn-ts/language-en';

export interface StrengthRequest {
  id: number;
  password: string;
  userInputs: string[];
}

export interface HelperReady {
  ready: true;
}

export interface StrengthAnswer {
  id: number;
  score: number;
  warning: string;
  suggestion: string | null;
  /** The password is (nearly) a whole entry of the common-passwords list. */
  common: boolean;
}

// zxcvbn-ts 4 names its list of leaked passwords this; the type check fails if a release renames it.
const COMMON_PASSWORDS: keyof typeof common.dictionary = 'passwords-common';

const zxcvbn = new ZxcvbnFactory({
  dictionary: { ...common.dictionary, ...english.dictionary },
  graphs: common.adjacencyGraphs,
  translations: english.translations,
});

process.on('message', (request: StrengthRequest) => {
  const result = zxcvbn.check(request.password, request.userInputs);
  const answer: StrengthAnswer = {
    id: request.id,
    score: result.score,
    warning: result.feedback.warning ?? '',
    suggestion: result.feedback.suggestions[0] ?? null,
    common: result.sequence.some((m) => m.pattern === 'dictionary' && m.dictionaryName === COMMON_PASSWORDS && m.token.length >= request.password.length - 2),
  };
  process.send!(answer);
});
// The server went away (or stopped us): nothing is left to answer.
process.on('disconnect', () => process.exit(0));
// A message sent before the listener above existed would be lost: the server waits for this.
process.send!({ ready: true });
