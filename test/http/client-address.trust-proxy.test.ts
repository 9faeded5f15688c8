// Client addresses (security.md §7): behind TRUST_PROXY the address is the one the trusted proxy
// saw (the right-most hop it does not trust), never the left part of X-Forwarded-For that the
// client wrote itself; every address is canonical, so one address is one key in every limit, in
// the session list and in events; IPv6 addresses of one /64 share a per-address budget.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { hashIp } from '../../src/http/client-context.ts';
import { createTestApp, TEST_SECRET, type TestApp } from '../support/app.ts';
import { Client, STRONG_PASSWORD, uniqueEmail } from '../support/client.ts';
import { databaseKinds } from '../support/databases.ts';

const PROXY = '10.0.0.1';

describe('TRUST_PROXY settings', () => {
  const trust = (value: string | undefined) => loadConfig({ GATEHOUSE_SECRET: TEST_SECRET, ...(value === undefined ? {} : { TRUST_PROXY: value }) }).trustProxy;

  it('false by default; a hop count; true is one hop, never "the left-most address"', () => {
    assert.equal(trust(undefined), false);
    assert.equal(trust('false'), false);
    assert.equal(trust('0'), false);
    assert.deepEqual(trust('1'), { hops: 1 });
    assert.deepEqual(trust('2'), { hops: 2 });
    assert.deepEqual(trust('true'), { hops: 1 });
  });

  it('a comma list of proxy addresses and CIDRs, written canonically; anything else is refused at start', () => {
    assert.deepEqual(trust('10.0.0.0/8, 192.168.001.002 ,::ffff:172.16.0.1, 2001:DB8::/32, loopback'), { proxies: ['10.0.0.0/8', '192.168.1.2', '172.16.0.1', '2001:db8::/32', 'loopback'] });
    for (const bad of ['proxy.internal', '10.0.0.0/33', '10.0.0.0/8/8', '300.1.1.1', '17']) {
      assert.throws(() => trust(bad), ConfigError, bad);
    }
  });
});

for (const kind of databaseKinds) {
  describe(`client addresses behind a proxy (${kind})`, () => {
    let hops: TestApp;
    let cidrs: TestApp;
    before(async () => {
      hops = await createTestApp(kind, { env: { TRUST_PROXY: '1' }, rateLimits: { registrationsPerIpPerHour: 3 } });
      cidrs = await createTestApp(kind, { env: { TRUST_PROXY: '10.0.0.0/8, 192.168.0.1' } });
    });
    after(async () => {
      await hops.close();
      await cidrs.close();
    });

    /** Registers through a connection from `socket` carrying this X-Forwarded-For; returns the response and the client. */
    async function registerVia(t: TestApp, socket: string, forwardedFor: string) {
      const client = new Client(t.app, { ip: socket });
      const response = await client.post('/api/auth/register', { email: uniqueEmail('proxy'), password: STRONG_PASSWORD }, { 'x-forwarded-for': forwardedFor });
      return { response, client };
    }

    /** The masked address and place the session list shows for the client's own session. */
    async function shownAddress(client: Client): Promise<{ ipAddress: string | null; location: string | null }> {
      const listed = await client.get('/api/auth/sessions');
      assert.equal(listed.statusCode, 200, listed.body);
      const current = (listed.json().sessions as { current: boolean; ipAddress: string | null; location: string | null }[]).find((s) => s.current);
      assert.ok(current);
      return { ipAddress: current.ipAddress, location: current.location };
    }

    it('TRUST_PROXY=1: the address the proxy appended counts, the part the client wrote is ignored', async () => {
      const { response, client } = await registerVia(hops, PROXY, '198.18.7.7, 203.0.113.9');
      assert.equal(response.statusCode, 201, response.body);
      assert.equal((await shownAddress(client)).ipAddress, '203.0.113.x');
    });

    it('a forwarded value that is not an address falls back to the proxy that wrote it, never to the client’s part, and never a 500', async () => {
      // Each through another proxy address (10.0.0.11…), so the registration budget is not the point.
      for (const [index, forwarded] of ['unknown', '198.18.7.7, not-an-address', '198.18.7.7, 0x7f.1', '198.18.7.7, 203.0.113.300'].entries()) {
        const { response, client } = await registerVia(hops, `10.0.0.${11 + index}`, forwarded);
        assert.equal(response.statusCode, 201, `${forwarded}: ${response.body}`);
        assert.deepEqual(await shownAddress(client), { ipAddress: '10.0.0.x', location: 'Local network' }, forwarded);
      }
    });

    it('a CIDR list: hops inside it are skipped, the first one outside is the client; a connection from outside it is not believed', async () => {
      const proxied = await registerVia(cidrs, '10.0.0.5', '198.18.7.7, 198.51.100.7, 10.1.2.3');
      assert.equal(proxied.response.statusCode, 201, proxied.response.body);
      assert.equal((await shownAddress(proxied.client)).ipAddress, '198.51.100.x');

      const direct = await registerVia(cidrs, '203.0.113.50', '198.51.100.7');
      assert.equal(direct.response.statusCode, 201, direct.response.body);
      assert.equal((await shownAddress(direct.client)).ipAddress, '203.0.113.x', 'a client connecting directly cannot name its address');
    });

    it('four spellings of one IPv4 address share one registration budget (3 an hour), and show as one address', async () => {
      const spellings = ['203.0.113.77', '::ffff:203.0.113.77', '::ffff:cb00:714d', '203.000.113.077'];
      const statuses: number[] = [];
      for (const spelling of spellings) {
        const { response, client } = await registerVia(hops, PROXY, spelling);
        statuses.push(response.statusCode);
        if (response.statusCode === 201) assert.equal((await shownAddress(client)).ipAddress, '203.0.113.x', spelling);
      }
      assert.deepEqual(statuses, [201, 201, 201, 429]);
      assert.equal((await registerVia(hops, PROXY, '203.0.113.78')).response.statusCode, 201, 'the next address has its own budget');
    });

    it('IPv6 addresses of one /64 share one registration budget; the next /64 has its own', async () => {
      const statuses: number[] = [];
      for (const address of ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:DB8:1:2:ffff::3', '2001:db8:1:2:abcd:ef01:2345:6789']) {
        statuses.push((await registerVia(hops, PROXY, address)).response.statusCode);
      }
      assert.deepEqual(statuses, [201, 201, 201, 429]);
      assert.equal((await registerVia(hops, PROXY, '2001:db8:1:3::1')).response.statusCode, 201);
    });

    it('security events record one address however it was spelled', async () => {
      const email = uniqueEmail('events');
      assert.equal((await new Client(cidrs.app, { ip: PROXY }).post('/api/auth/register', { email, password: STRONG_PASSWORD }, { 'x-forwarded-for': '198.51.100.20' })).statusCode, 201);
      for (const spelling of ['::ffff:198.51.100.20', '198.051.100.020', '::ffff:c633:6414']) {
        const login = await new Client(cidrs.app, { ip: PROXY }).post('/api/auth/login', { email, password: STRONG_PASSWORD }, { 'x-forwarded-for': spelling });
        assert.equal(login.statusCode, 200, `${spelling}: ${login.body}`);
      }
      const rows = await cidrs.ctx.db.selectFrom('security_events').innerJoin('users', 'users.id', 'security_events.user_id').where('users.email', '=', email).select('security_events.ip_hash').execute();
      assert.ok(rows.length >= 4, `events were written: ${rows.length}`);
      assert.deepEqual([...new Set(rows.map((row) => row.ip_hash))], [hashIp(cidrs.ctx.keyring, '198.51.100.20')]);
    });
  });
}
