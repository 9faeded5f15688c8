// Names for the shapes the pages use most, all taken from the generated document types.
import type { ResponseOf } from './client.ts';

export type User = ResponseOf<'getSession'>['user'];
export type SessionView = ResponseOf<'listSessions'>['sessions'][number];
export type SignInAnswer = ResponseOf<'signIn'>;
/** The answer to a right password when a second factor is on: a challenge, no session. */
export type SecondFactorChallenge = Extract<SignInAnswer, { twoFactorRequired: true }>;
export type SecondFactorMethod = SecondFactorChallenge['methods'][number];
