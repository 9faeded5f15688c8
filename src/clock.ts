// Time comes through one place so tests can move it (expiries, idle timeouts) without sleeping.
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
