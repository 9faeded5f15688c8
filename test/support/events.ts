// Reading a user's security log the way a client does: GET /api/auth/events.
import assert from 'node:assert/strict';
import type { Client } from './client.ts';

/** One entry of the security log as the API answers it. */
export interface EventView {
  id: string;
  type: string;
  metadata: Record<string, unknown>;
  sessionId: string | null;
  /** The device and place of the session the event happened in (null outside one). */
  device: string | null;
  location: string | null;
  createdAt: string;
}

/** The signed-in user's latest 100 security events, newest first. */
export async function securityEvents(client: Client): Promise<EventView[]> {
  const response = await client.get('/api/auth/events?limit=100');
  assert.equal(response.statusCode, 200, response.body);
  return response.json().events as EventView[];
}

/** The types of the signed-in user's latest 100 security events, newest first. */
export async function securityEventTypes(client: Client): Promise<string[]> {
  return (await securityEvents(client)).map((event) => event.type);
}
