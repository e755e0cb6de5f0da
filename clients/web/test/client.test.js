// wxsession-web against a scripted fetch: modes, the shared re-login, no replay of unsafe
// methods, SESSION_REPLACED, a sticky logout, refused redirects. test/browser.test.js and
// tests/system/test_web_sdk_browser.py run it against the real server.
import test from 'node:test';
import assert from 'node:assert/strict';

import { createClient, memoryStorage, SESSION_CODES, REPLACED } from '../index.js';

const BASE = 'https://api.example.com';

function json(status, data, headers = {}) {
  const body = data === undefined ? null : JSON.stringify(data);
  return new Response(body, { status, headers });
}

function error(status, code, headers) {
  return json(status, { error: { code, message: `${code} (test)` } }, headers);
}

/** A fake server: logins issue s1, s2, …; `ended` ids answer `ended.get(id)`. */
function fakeServer() {
  const server = { issued: 0, live: new Set(), ended: new Map(), calls: [] };
  server.fetch = async (url, init) => {
    server.calls.push({ url, init });
    const path = url.slice(BASE.length);
    const auth = init.headers.Authorization || '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : null;
    await new Promise((resolve) => setImmediate(resolve));
    if (path === '/v1/auth/password/login') {
      server.issued += 1;
      const id = `s${server.issued}`;
      server.live.add(id);
      return json(200, { session_id: id, expires_in: 7200 });
    }
    if (path === '/moved') return json(302, undefined, { location: 'https://evil.example/' });
    if (!token) return error(401, 'SESSION_MISSING');
    if (server.ended.has(token)) return error(401, server.ended.get(token));
    if (!server.live.has(token)) return error(401, 'SESSION_INVALID');
    if (path === '/v1/auth/logout') {
      server.live.delete(token);
      return json(204);
    }
    return json(200, { path, token, method: init.method });
  };
  server.sent = (path) => server.calls.filter((call) => call.url === BASE + path);
  return server;
}

function bearerClient(server, extra = {}) {
  let relogins = 0;
  const client = createClient(
    Object.assign(
      {
        baseURL: BASE,
        mode: 'bearer',
        fetch: (url, init) => server.fetch(url, init),
        relogin: async (c) => {
          relogins += 1;
          await c.login('/v1/auth/password/login', { username: 'ada', password: 'pw' });
        },
      },
      extra
    )
  );
  return { client, relogins: () => relogins };
}

test('bearer mode sends the stored session; concurrent 401s share one re-login', async () => {
  const server = fakeServer();
  const { client, relogins } = bearerClient(server);
  await client.login('/v1/auth/password/login', { username: 'ada', password: 'pw' });
  assert.deepEqual(client.session(), { sessionId: 's1' });
  const first = await client.request('/v1/me');
  assert.equal(first.data.token, 's1');
  assert.equal(server.calls.at(-1).init.credentials, 'omit');
  server.live.clear(); // every session expires
  const answers = await Promise.all([1, 2, 3].map(() => client.request('/v1/me')));
  assert.deepEqual(answers.map((a) => [a.status, a.data.token]), Array(3).fill([200, 's2']));
  assert.equal(relogins(), 1);
  assert.equal(server.sent('/v1/auth/password/login').length, 2);
});

test('an unsafe method is not sent twice unless replay is set', async () => {
  const server = fakeServer();
  const { client, relogins } = bearerClient(server);
  await client.login('/v1/auth/password/login', {});
  server.live.clear();
  const posted = await client.request('/v1/orders', { method: 'POST', body: { n: 1 } });
  assert.equal(posted.status, 401);
  assert.equal(posted.data.error.code, 'SESSION_INVALID');
  assert.equal(relogins(), 0);
  assert.equal(client.session(), null); // the stale session is dropped
  const replayed = await client.request('/v1/orders', { method: 'POST', body: {}, replay: true });
  assert.equal(replayed.status, 200);
  assert.equal(server.sent('/v1/orders').at(-1).init.headers['Content-Type'], 'application/json');
});

test('SESSION_REVOKED logs in again like SESSION_INVALID', async () => {
  const server = fakeServer();
  const { client, relogins } = bearerClient(server);
  await client.login('/v1/auth/password/login', {});
  server.ended.set('s1', 'SESSION_REVOKED');
  assert.equal((await client.request('/v1/me')).data.token, 's2');
  assert.equal(relogins(), 1);
  assert.ok(SESSION_CODES.includes('SESSION_REVOKED'));
});

test('SESSION_REPLACED calls onReplaced once and never logs in by itself', async () => {
  const server = fakeServer();
  const told = [];
  const { client, relogins } = bearerClient(server, { onReplaced: (e) => told.push(e) });
  await client.login('/v1/auth/password/login', {});
  server.ended.set('s1', REPLACED);
  const answers = await Promise.all([1, 2].map(() => client.request('/v1/me')));
  assert.deepEqual(answers.map((a) => a.data.error.code), [REPLACED, REPLACED]);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(told.length, 1);
  assert.equal(told[0].code, REPLACED);
  assert.equal(told[0].status, 401);
  assert.equal(relogins(), 0);
  await assert.rejects(client.request('/v1/me'), { code: 'NOT_LOGGED_IN' });
  await client.login('/v1/auth/password/login', {}); // the app takes the session back
  assert.equal((await client.request('/v1/me')).data.token, 's2');
});

test('cookie mode sends credentials and no header; the page never holds a token', async () => {
  const calls = [];
  const client = createClient({
    baseURL: BASE,
    fetch: async (url, init) => {
      calls.push(init);
      return json(200, url.endsWith('/login') ? { session_id: 'not-kept' } : { id: 'u1' });
    },
  });
  await client.login('/v1/auth/password/login', { username: 'ada', password: 'pw' });
  assert.equal(client.session(), null);
  assert.equal((await client.request('/v1/me')).data.id, 'u1');
  assert.deepEqual(
    calls.map((c) => [c.credentials, c.headers.Authorization, c.redirect]),
    Array(2).fill(['include', undefined, 'manual'])
  );
});

test('a logout sticks, and a request in flight does not log in again', async () => {
  const server = fakeServer();
  const storage = memoryStorage();
  const { client, relogins } = bearerClient(server, { storage });
  await client.login('/v1/auth/password/login', {});
  let open;
  const gate = new Promise((resolve) => {
    open = resolve;
  });
  const served = server.fetch;
  server.fetch = async (url, init) => {
    if (url.endsWith('/v1/slow')) await gate; // answered once the logout ended the session
    return served(url, init);
  };
  const pending = client.request('/v1/slow');
  await client.logout();
  open();
  await assert.rejects(pending, (err) => {
    assert.equal(err.code, 'NOT_LOGGED_IN');
    assert.equal(err.data.error.code, 'SESSION_INVALID');
    return true;
  });
  await assert.rejects(client.request('/v1/me'), { code: 'NOT_LOGGED_IN' });
  assert.equal(JSON.parse(storage.getItem('wxsession')).loggedOut, true);
  assert.equal(relogins(), 0);
});

test('redirects are refused, absolute URLs and malformed session ids too', async () => {
  const server = fakeServer();
  const { client } = bearerClient(server);
  await client.login('/v1/auth/password/login', {});
  await assert.rejects(client.request('/moved'), { code: 'REDIRECT_REFUSED' });
  await assert.rejects(client.request('https://evil.example/v1/me'), TypeError);
  const bad = createClient({
    baseURL: BASE,
    mode: 'bearer',
    fetch: async () => json(200, { session_id: 'no spaces\r\nallowed' }),
  });
  await assert.rejects(bad.login('/v1/auth/password/login', {}), { code: 'SESSION_ID_MALFORMED' });
  assert.equal(bad.session(), null);
});

test('a network failure and a rate limit keep their codes', async () => {
  const offline = async () => Promise.reject(new Error('offline'));
  const down = createClient({ baseURL: BASE, fetch: offline });
  await assert.rejects(down.request('/v1/me'), { code: 'NETWORK_ERROR' });
  const limited = createClient({
    baseURL: BASE,
    fetch: async () => error(429, 'RATE_LIMITED', { 'Retry-After': '30' }),
  });
  await assert.rejects(limited.login('/v1/auth/password/login', {}), (err) => {
    assert.equal(err.code, 'RATE_LIMITED');
    assert.equal(err.retryAfter, 30);
    return true;
  });
});

test('options are checked', () => {
  assert.throws(() => createClient({}), TypeError);
  assert.throws(() => createClient({ baseURL: BASE, mode: 'query' }), TypeError);
  assert.throws(() => createClient({ baseURL: BASE, relogin: 'yes' }), TypeError);
});
