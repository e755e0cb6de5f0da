'use strict';
// Unit tests: the SDK against a scripted `api` (storage, login, request); no network.
const test = require('node:test');
const assert = require('node:assert/strict');

const { createClient } = require('..');
const { fakeApi, fakeServer, setup, error, loginAnswer, BASE } = require('./fake-api');

test('the first request logs in, stores the session and sends it as a Bearer token', async () => {
  const { api, client, server } = setup();
  assert.equal(client.session(), null);
  const res = await client.request({ url: '/v1/me' });
  assert.equal(res.statusCode, 200);
  assert.equal(res.data.token, 'sess-1');
  assert.deepEqual(res.header, {});
  assert.equal(api.logins, 1);
  assert.deepEqual(server.loginBodies, [{ code: 'code-1' }]);
  assert.equal(api.sent('/v1/me')[0].header.Authorization, 'Bearer sess-1');
  const stored = client.session();
  assert.equal(stored.sessionId, 'sess-1');
  assert.ok(stored.expiresAt > Date.now() + 7100 * 1000);
  assert.equal(api.storage.get('wxsession').sessionId, 'sess-1');
  // Later requests reuse it.
  await client.request({ url: '/v1/me' });
  assert.equal(api.logins, 1);
});

test('request passes method, data and headers through, and resolves for any status', async () => {
  const { api, client } = setup({}, { '/v1/teapot': () => error(418, 'TEAPOT') });
  const res = await client.request({
    url: 'v1/orders',
    method: 'POST',
    data: { n: 1 },
    header: { 'X-Trace': 't1' },
  });
  assert.equal(res.data.method, 'POST');
  assert.deepEqual(res.data.body, { n: 1 });
  const sent = api.sent('/v1/orders')[0];
  assert.equal(sent.header['X-Trace'], 't1');
  assert.equal(sent.header.Authorization, 'Bearer sess-1');
  const teapot = await client.request({ url: '/v1/teapot' });
  assert.equal(teapot.statusCode, 418);
  assert.equal(teapot.data.error.code, 'TEAPOT');
});

test('an absolute url is refused: the session must not travel to another host', async () => {
  const { client, api } = setup();
  await client.login();
  await assert.rejects(client.request({ url: 'https://evil.example/steal' }), TypeError);
  assert.equal(api.requests.length, 1); // the login only
});

test('a custom header carries the raw session id', async () => {
  const { api, client } = setup({ header: 'X-Session-Id' }, {
    '/v1/me': (req) => ({ statusCode: 200, data: { got: req.header['X-Session-Id'] } }),
  });
  const res = await client.request({ url: '/v1/me' });
  assert.equal(res.data.got, 'sess-1');
  assert.equal(api.sent('/v1/me')[0].header.Authorization, undefined);
});

test('a custom storage key and login path are used', async () => {
  const { api, client, server } = setup(
    { storageKey: 'my-app', loginPath: '/auth/login' },
    { '/auth/login': () => loginAnswer('custom-1') }
  );
  await client.login();
  assert.equal(api.storage.get('my-app').sessionId, 'custom-1');
  assert.equal(api.sent('/auth/login').length, 1);
  assert.equal(server.issued, 0);
});

for (const code of ['SESSION_MISSING', 'SESSION_INVALID', 'SESSION_EXPIRED']) {
  test(`401 ${code}: drop the session, log in once, retry once`, async () => {
    let first = true;
    const { api, client } = setup({}, {
      '/v1/me': () => {
        if (!first) return undefined;
        first = false;
        return error(401, code);
      },
    });
    await client.login();
    const res = await client.request({ url: '/v1/me' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.data.token, 'sess-2');
    assert.equal(api.logins, 2);
    assert.deepEqual(
      api.sent('/v1/me').map((r) => r.header.Authorization),
      ['Bearer sess-1', 'Bearer sess-2']
    );
    assert.equal(client.session().sessionId, 'sess-2');
  });
}

test('20 requests failing at once share one login (single flight)', async () => {
  const { api, client, server } = setup();
  await client.login();
  server.live.clear(); // every session is gone server-side
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) => client.request({ url: `/v1/item/${i}` }))
  );
  assert.equal(api.logins, 2); // the first login plus exactly one re-login
  assert.equal(api.sent('/v1/auth/wechat/login').length, 2);
  for (const res of results) {
    assert.equal(res.statusCode, 200);
    assert.equal(res.data.token, 'sess-2');
  }
  const items = api.requests.filter((r) => r.url.includes('/v1/item/'));
  assert.equal(items.length, 40); // each request sent twice: once failing, once retried
});

test('a 401 arriving after the shared re-login finished reuses the new session', async () => {
  const later = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const { api, client, server } = setup({}, {
    '/v1/slow': async (req) => {
      if (req.header.Authorization !== 'Bearer sess-1') return undefined;
      await later(50); // answered long after /v1/fast's re-login
      return error(401, 'SESSION_INVALID');
    },
  });
  await client.login();
  server.live.clear();
  const [fast, slow] = await Promise.all([
    client.request({ url: '/v1/fast' }),
    client.request({ url: '/v1/slow' }),
  ]);
  assert.equal(fast.data.token, 'sess-2');
  assert.equal(slow.data.token, 'sess-2');
  assert.equal(api.logins, 2);
});

test('20 first requests without any session share one login', async () => {
  const { api, client } = setup();
  await Promise.all(Array.from({ length: 20 }, () => client.request({ url: '/v1/me' })));
  assert.equal(api.logins, 1);
  assert.equal(api.sent('/v1/auth/wechat/login').length, 1);
});

test('the re-login presents the stale session so the server can end it', async () => {
  const { api, client, server } = setup();
  await client.login();
  server.live.clear();
  await client.request({ url: '/v1/me' });
  const logins = api.sent('/v1/auth/wechat/login');
  assert.equal(logins[0].header.Authorization, undefined);
  assert.equal(logins[1].header.Authorization, 'Bearer sess-1');
});

test('a re-login that fails surfaces its error and never loops', async () => {
  let loginsAllowed = 1;
  const { api, client, server } = setup({}, {
    '/v1/auth/wechat/login': () =>
      loginsAllowed-- > 0 ? undefined : error(503, 'WECHAT_UNAVAILABLE'),
  });
  await client.login();
  server.live.clear();
  const results = await Promise.allSettled(
    Array.from({ length: 5 }, () => client.request({ url: '/v1/me' }))
  );
  for (const result of results) {
    assert.equal(result.status, 'rejected');
    assert.equal(result.reason.code, 'WECHAT_UNAVAILABLE');
    assert.equal(result.reason.statusCode, 503);
    assert.equal(result.reason.data.error.code, 'WECHAT_UNAVAILABLE');
  }
  assert.equal(api.sent('/v1/auth/wechat/login').length, 2); // one shared, failed re-login
  assert.equal(api.sent('/v1/me').length, 5); // no retry without a session
  assert.equal(client.session(), null); // the dead session was dropped
});

test('a retry that still gets 401 is returned as is: one login, no loop', async () => {
  const { api, client } = setup({}, { '/v1/me': () => error(401, 'SESSION_INVALID') });
  const res = await client.request({ url: '/v1/me' });
  assert.equal(res.statusCode, 401);
  assert.equal(res.data.error.code, 'SESSION_INVALID');
  assert.equal(api.logins, 2); // the first login and the single recovery
  assert.equal(api.sent('/v1/me').length, 2);
});

test('503 keeps the stored session and returns normally', async () => {
  const { api, client } = setup({}, {
    '/v1/me': () => error(503, 'SESSION_STORE_UNAVAILABLE'),
  });
  await client.login();
  const res = await client.request({ url: '/v1/me' });
  assert.equal(res.statusCode, 503);
  assert.equal(res.data.error.code, 'SESSION_STORE_UNAVAILABLE');
  assert.equal(client.session().sessionId, 'sess-1');
  assert.equal(api.logins, 1);
  assert.equal(api.sent('/v1/me').length, 1);
});

test('other 401 and 403 answers are returned without a login', async () => {
  const { api, client } = setup({}, {
    '/v1/a': () => error(401, 'SOMETHING_ELSE'),
    '/v1/b': () => error(403, 'REGISTRATION_REQUIRED'),
    '/v1/c': () => ({ statusCode: 401, data: '<html>proxy</html>' }),
  });
  await client.login();
  assert.equal((await client.request({ url: '/v1/a' })).statusCode, 401);
  assert.equal((await client.request({ url: '/v1/b' })).statusCode, 403);
  assert.equal((await client.request({ url: '/v1/c' })).statusCode, 401);
  assert.equal(api.logins, 1);
  assert.equal(client.session().sessionId, 'sess-1');
});

for (const code of ['WECHAT_CODE_USED', 'WECHAT_CODE_INVALID']) {
  test(`login retries once with a fresh code on ${code}`, async () => {
    let failures = 1;
    const { api, client, server } = setup({}, {
      '/v1/auth/wechat/login': () => (failures-- > 0 ? error(401, code) : undefined),
    });
    const session = await client.login();
    assert.equal(session.sessionId, 'sess-1');
    assert.deepEqual(session.user, { id: 'u1' });
    assert.equal(api.logins, 2);
    assert.deepEqual(server.loginBodies, [{ code: 'code-2' }]);
    assert.deepEqual(
      api.sent('/v1/auth/wechat/login').map((r) => r.data.code),
      ['code-1', 'code-2']
    );
  });

  test(`login gives up after the second ${code}`, async () => {
    const { api, client } = setup({}, { '/v1/auth/wechat/login': () => error(401, code) });
    await assert.rejects(client.login(), (err) => {
      assert.equal(err.code, code);
      assert.equal(err.statusCode, 401);
      assert.equal(err.data.error.code, code);
      return true;
    });
    assert.equal(api.logins, 2);
    assert.equal(client.session(), null);
  });
}

test('other login failures are not retried', async () => {
  const { api, client } = setup({}, {
    '/v1/auth/wechat/login': () =>
      Object.assign(error(429, 'RATE_LIMITED'), { header: { 'retry-after': '30' } }),
  });
  // The app learns when to try again; the SDK itself never retries.
  await assert.rejects(client.login(), { code: 'RATE_LIMITED', statusCode: 429, retryAfter: 30 });
  assert.equal(api.logins, 1);
  // request() right after says so, without another login (the failed one asks to wait).
  await assert.rejects(client.request({ url: '/v1/me' }), (err) => {
    assert.equal(err.code, 'LOGIN_BACKOFF');
    assert.equal(err.cause.code, 'RATE_LIMITED');
    return true;
  });
  assert.equal(api.logins, 1);
  assert.equal(api.sent('/v1/me').length, 0);
});

test('a failed api.request rejects with NETWORK_ERROR and keeps the session', async () => {
  let down = false;
  const { client } = setup({}, { '/v1/me': () => (down ? 'fail' : undefined) });
  await client.login();
  down = true;
  await assert.rejects(client.request({ url: '/v1/me' }), (err) => {
    assert.equal(err.code, 'NETWORK_ERROR');
    assert.match(err.message, /timeout/);
    return true;
  });
  assert.equal(client.session().sessionId, 'sess-1');
});

test('a login POST that gets no answer rejects with NETWORK_ERROR', async () => {
  const { client } = setup({}, { '/v1/auth/wechat/login': () => 'fail' });
  await assert.rejects(client.login(), { code: 'NETWORK_ERROR' });
});

test('a failing wx.login rejects with WX_LOGIN_FAILED', async () => {
  const { api, client } = setup({}, {}, { loginFails: () => true });
  await assert.rejects(client.request({ url: '/v1/me' }), { code: 'WX_LOGIN_FAILED' });
  assert.equal(api.requests.length, 0);
});

test('checkSession off: wx.checkSession is never called', async () => {
  const { api, client } = setup();
  await client.request({ url: '/v1/me' });
  await client.request({ url: '/v1/me' });
  assert.equal(api.checks, 0);
});

test('checkSession on: a stored session is checked once, then reused', async () => {
  const server = fakeServer();
  server.live.add('sess-0');
  const mine = fakeApi({ handle: server.handle, checkSession: () => true });
  mine.storage.set('wxsession', { sessionId: 'sess-0' });
  const client = createClient({ baseURL: BASE, api: mine, checkSession: true });
  await Promise.all(Array.from({ length: 5 }, () => client.request({ url: '/v1/me' })));
  await client.request({ url: '/v1/me' });
  assert.equal(mine.checks, 1);
  assert.equal(mine.logins, 0);
  assert.equal(mine.sent('/v1/me')[0].header.Authorization, 'Bearer sess-0');
});

test('checkSession on: a failed check logs in again, ending the old session', async () => {
  const server = fakeServer();
  server.live.add('sess-0');
  const api = fakeApi({ handle: server.handle, checkSession: () => false });
  api.storage.set('wxsession', { sessionId: 'sess-0' });
  const client = createClient({ baseURL: BASE, api, checkSession: true });
  const results = await Promise.all(
    Array.from({ length: 5 }, () => client.request({ url: '/v1/me' }))
  );
  assert.ok(results.every((res) => res.data.token === 'sess-1'));
  assert.equal(api.logins, 1);
  assert.equal(api.checks, 1);
  assert.equal(api.sent('/v1/auth/wechat/login')[0].header.Authorization, 'Bearer sess-0');
  assert.ok(!server.live.has('sess-0'));
  // A fresh login brought a fresh WeChat session_key: no new check is needed.
  await client.request({ url: '/v1/me' });
  assert.equal(api.checks, 1);
});

test('a stored session past its idle timeout is not sent; a new login is made', async () => {
  let clock = 1_000_000;
  const { api, client } = setup({ now: () => clock });
  await client.login();
  assert.equal(client.session().expiresAt, 1_000_000 + 7200 * 1000);
  clock += 7200 * 1000;
  assert.equal(client.session(), null);
  const res = await client.request({ url: '/v1/me' });
  assert.equal(res.data.token, 'sess-2');
  assert.equal(api.logins, 2);
});

test('successful use slides the expiry estimate (written at most once a minute)', async () => {
  let clock = 1_000_000;
  const { client } = setup({ now: () => clock });
  await client.login();
  clock += 30 * 1000;
  await client.request({ url: '/v1/me' });
  assert.equal(client.session().expiresAt, 1_000_000 + 7200 * 1000);
  clock += 60 * 1000;
  await client.request({ url: '/v1/me' });
  assert.equal(client.session().expiresAt, clock + 7200 * 1000);
});

test('logout ends the session on the server and clears storage', async () => {
  const { api, client, server } = setup();
  await client.login();
  await client.logout();
  const sent = api.sent('/v1/auth/logout');
  assert.equal(sent.length, 1);
  assert.equal(sent[0].method, 'POST');
  assert.equal(sent[0].header.Authorization, 'Bearer sess-1');
  assert.equal(server.live.size, 0);
  assert.equal(client.session(), null);
  // No session is left in storage, only the mark that the user logged out.
  assert.deepEqual(api.storage.get('wxsession'), { loggedOut: true });
});

test('logout clears storage when the server says the session is already gone', async () => {
  const { client, server } = setup();
  await client.login();
  server.live.clear();
  await client.logout(); // 401 SESSION_INVALID: resolved, nothing left to end
  assert.equal(client.session(), null);
});

test('logout without a session sends nothing', async () => {
  const { api, client } = setup();
  await client.logout();
  assert.equal(api.requests.length, 0);
});

test('logout clears storage even when the server cannot answer, and says so', async () => {
  const { client } = setup({}, {
    '/v1/auth/logout': () => error(503, 'SESSION_STORE_UNAVAILABLE'),
  });
  await client.login();
  await assert.rejects(client.logout(), { code: 'SESSION_STORE_UNAVAILABLE', statusCode: 503 });
  assert.equal(client.session(), null);
});

test('an explicit login presents the stored session so the server ends it', async () => {
  const { api, client, server } = setup();
  await client.login();
  await client.login();
  assert.equal(api.sent('/v1/auth/wechat/login')[1].header.Authorization, 'Bearer sess-1');
  assert.deepEqual([...server.live], ['sess-2']);
  assert.equal(client.session().sessionId, 'sess-2');
});

test('an api without checkSession (some platforms) still works with checkSession on', async () => {
  const server = fakeServer();
  const api = fakeApi({ handle: server.handle });
  delete api.checkSession;
  api.setStorageSync('wxsession', { sessionId: 'sess-0' });
  server.live.add('sess-0');
  const client = createClient({ baseURL: `${BASE}/`, api, checkSession: true });
  const res = await client.request({ url: '/v1/me' });
  assert.equal(res.data.token, 'sess-0');
});

test('createClient checks its options', () => {
  assert.throws(() => createClient({ api: fakeApi({ handle: () => 'fail' }) }), /baseURL/);
  assert.throws(() => createClient({ baseURL: BASE }), /api/);
});

test('register completes a pending session and stores the fresh one', async () => {
  const { api, client, server } = setup({}, {
    '/v1/auth/wechat/login': () => ({
      statusCode: 200,
      data: { session_id: 'pending-1', expires_in: 600, registered: false, user: null },
    }),
    '/v1/auth/register': (req) =>
      req.header.Authorization === 'Bearer pending-1'
        ? { statusCode: 201, data: Object.assign(loginAnswer('sess-9').data, { nick: req.data }) }
        : error(401, 'SESSION_INVALID'),
  });
  const pending = await client.login();
  assert.equal(pending.registered, false);
  assert.equal(client.session().registered, false);
  const done = await client.register({ nickname: 'Ann' });
  assert.equal(done.sessionId, 'sess-9');
  assert.equal(done.registered, true);
  assert.deepEqual(api.sent('/v1/auth/register')[0].data, { nickname: 'Ann' });
  assert.equal(client.session().sessionId, 'sess-9');
  assert.equal(server.issued, 0);
});

test('register surfaces the server error', async () => {
  const { client } = setup({}, { '/v1/auth/register': () => error(409, 'ALREADY_REGISTERED') });
  await assert.rejects(client.register(), { code: 'ALREADY_REGISTERED', statusCode: 409 });
  assert.equal(client.session().sessionId, 'sess-1');
});

test('a login answer without a wxsession error code rejects with LOGIN_FAILED', async () => {
  const { client } = setup({}, {
    '/v1/auth/wechat/login': () => ({ statusCode: 502, data: '<html>Bad Gateway</html>' }),
  });
  await assert.rejects(client.login(), (err) => {
    assert.equal(err.code, 'LOGIN_FAILED');
    assert.equal(err.statusCode, 502);
    assert.equal(err.data, '<html>Bad Gateway</html>');
    assert.equal(err.message, 'HTTP 502');
    return true;
  });
});

test('JSON bodies handed back as text are understood (some adapters do not parse)', async () => {
  let first = true;
  const { client } = setup({}, {
    '/v1/auth/wechat/login': () => ({
      statusCode: 200,
      data: JSON.stringify(loginAnswer('t-1').data),
    }),
    '/v1/me': () => {
      if (!first) return { statusCode: 200, data: '{"ok":true}' };
      first = false;
      return { statusCode: 401, data: JSON.stringify(error(401, 'SESSION_EXPIRED').data) };
    },
  });
  const res = await client.request({ url: '/v1/me' });
  assert.equal(res.statusCode, 200);
  assert.equal(client.session().sessionId, 't-1');
});

for (const [provider, platform] of [['qq', 'qq'], ['douyin', 'tt']]) {
  test(`provider ${provider} logs in on its own route, with the ${platform} global`, async () => {
    const path = `/v1/auth/${provider}/login`;
    const server = fakeServer({ [path]: () => loginAnswer(`${provider}-1`) });
    const api = fakeApi({ handle: server.handle });
    globalThis[platform] = api;
    try {
      const client = createClient({ baseURL: BASE, provider });
      assert.equal((await client.login()).sessionId, `${provider}-1`);
      assert.deepEqual(api.sent(path).map((r) => r.data), [{ code: 'code-1' }]);
      assert.equal(api.sent('/v1/auth/wechat/login').length, 0);
    } finally {
      delete globalThis[platform];
    }
  });
}

test('an unknown provider is refused when the client is made', () => {
  const options = { baseURL: BASE, api: fakeApi({}), provider: 'weibo' };
  assert.throws(() => createClient(options), TypeError);
});

test('a code the platform server refused (PROVIDER_CODE_INVALID) is retried once', async () => {
  let failures = 1;
  const path = '/v1/auth/qq/login';
  const { api, client } = setup({ provider: 'qq' }, {
    [path]: () => (failures-- > 0 ? error(401, 'PROVIDER_CODE_INVALID') : loginAnswer('qq-2')),
  });
  assert.equal((await client.login()).sessionId, 'qq-2');
  assert.deepEqual(api.sent(path).map((r) => r.data.code), ['code-1', 'code-2']);
});

test('reauth: true sends a fresh code as the proof and keeps the fresh session', async () => {
  const path = '/v1/me/identities/password';
  const { api, client, server } = setup({}, {
    [path]: () => {
      server.live.add('sess-changed');
      return { statusCode: 201, data: loginAnswer('sess-changed').data };
    },
  });
  await client.login();
  const body = { username: 'ann', password: 'a long passphrase' };
  const res = await client.request({ url: path, method: 'POST', data: body, reauth: true });
  assert.equal(res.statusCode, 201);
  const [sent] = api.sent(path);
  const proof = { provider: 'wechat', code: 'code-2' };
  assert.deepEqual(sent.data, Object.assign({}, body, { reauth: proof }));
  assert.equal(sent.reauth, undefined); // the option itself is not passed to api.request
  assert.equal(sent.header['content-type'], 'application/json');
  assert.deepEqual(server.loginBodies, [{ code: 'code-1' }]); // the proof is not a login
  assert.equal(client.session().sessionId, 'sess-changed');
  assert.equal((await client.request({ url: '/v1/me' })).data.token, 'sess-changed');
  assert.equal(api.logins, 2);
});

test('reauth: a retry after a re-login carries a new code; refusals come back as is', async () => {
  const path = '/v1/me/identities/wechat';
  const { api, client } = setup({}, {
    // A stale session falls through to the fake's session check (401 SESSION_INVALID).
    [path]: (req) =>
      req.header.Authorization === 'Bearer stale'
        ? undefined
        : error(401, 'REAUTHENTICATION_FAILED'),
  });
  api.storage.set('wxsession', { sessionId: 'stale', registered: true });
  const res = await client.request({ url: path, method: 'DELETE', reauth: true, replay: true });
  // The stale session is refused before the body is read; the retry has a code of its own.
  assert.equal(res.statusCode, 401);
  assert.equal(res.data.error.code, 'REAUTHENTICATION_FAILED');
  const codes = api.sent(path).map((r) => r.data.reauth.code);
  assert.equal(codes.length, 2);
  assert.notEqual(codes[0], codes[1]);
  assert.equal(client.session().sessionId, 'sess-1'); // no fresh session: nothing adopted
  assert.equal(api.sent('/v1/auth/wechat/login').length, 1); // no login for a refused proof
});

test('reauth: the proof helper, and data that cannot carry one', async () => {
  const { client } = setup();
  assert.deepEqual(await client.reauth(), { provider: 'wechat', code: 'code-1' });
  await assert.rejects(
    client.request({ url: '/v1/x', method: 'POST', data: 'text', reauth: true }),
    TypeError
  );
});
