'use strict';
// The rules that keep the session safe: a logout sticks, a request that may have run is not
// sent twice, a session id is checked before it is stored or sent, failed logins back off,
// redirects are not followed. Scripted `api` (test/redirect.test.js does redirects over HTTP).
const test = require('node:test');
const assert = require('node:assert/strict');

const { createClient } = require('..');
const { setup, error, loginAnswer, BASE } = require('./fake-api');

function deferred() {
  let resolve;
  const promise = new Promise((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** Wait (event-loop turns, not time) until `condition()` holds. */
async function until(condition) {
  for (let turn = 0; !condition(); turn += 1) {
    assert.ok(turn < 1000, 'condition never met');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

// -- a logout sticks ----------------------------------------------------------------------

test('a request in flight during logout() that comes back 401 does not log in again', async () => {
  const gate = deferred();
  const { api, client, server } = setup({}, {
    // A slow route: answered (by the session check: 401 once logged out) after the gate.
    '/v1/slow': async () => {
      await gate.promise;
      return undefined;
    },
  });
  await client.login();
  const pending = client.request({ url: '/v1/slow' });
  await until(() => api.sent('/v1/slow').length === 1); // on the wire with sess-1
  await client.logout(); // the server ends sess-1
  gate.resolve();
  await assert.rejects(pending, (err) => {
    assert.equal(err.code, 'NOT_LOGGED_IN');
    assert.equal(err.statusCode, 401);
    assert.equal(err.data.error.code, 'SESSION_INVALID');
    return true;
  });
  assert.equal(api.logins, 1);
  assert.equal(api.sent('/v1/auth/wechat/login').length, 1);
  assert.equal(api.sent('/v1/slow').length, 1);
  assert.equal(client.session(), null);
  assert.deepEqual(api.storage.get('wxsession'), { loggedOut: true });
  assert.equal(server.live.size, 0);
});

test('a login under way when logout() is called is ended, not stored', async () => {
  const gate = deferred();
  const { api, client, server } = setup({}, {
    '/v1/auth/wechat/login': async () => {
      await gate.promise;
      return undefined;
    },
  });
  const pending = client.request({ url: '/v1/me' }); // no session: it logs in first
  await until(() => api.sent('/v1/auth/wechat/login').length === 1);
  const refused = assert.rejects(pending, { code: 'NOT_LOGGED_IN' });
  const out = client.logout();
  gate.resolve();
  await out;
  await refused;
  assert.equal(api.sent('/v1/me').length, 0);
  assert.equal(client.session(), null);
  assert.equal(server.issued, 1);
  assert.equal(server.live.size, 0); // the session that login made was ended by logout()
  assert.equal(api.sent('/v1/auth/logout')[0].header.Authorization, 'Bearer sess-1');
});

test('a fresh session answered to a request in flight during logout() is not kept', async () => {
  const gate = deferred();
  const path = '/v1/me/identities/password';
  const { api, client } = setup({}, {
    // A change that answers with a fresh session (and ended the one sent), slowly.
    [path]: async () => {
      await gate.promise;
      return { statusCode: 201, data: loginAnswer('sess-changed').data };
    },
  });
  await client.login();
  const pending = client.request({ url: path, method: 'POST', data: {}, reauth: true });
  await until(() => api.sent(path).length === 1);
  await client.logout();
  gate.resolve();
  const res = await pending; // the answer is the app's to see
  assert.equal(res.statusCode, 201);
  assert.equal(client.session(), null); // but the session in it is not stored
  assert.deepEqual(api.storage.get('wxsession'), { loggedOut: true });
  await assert.rejects(client.request({ url: '/v1/me' }), { code: 'NOT_LOGGED_IN' });
});

test('after logout() nothing logs in until the app calls login() (a restart too)', async () => {
  const { api, client } = setup();
  await client.login();
  await client.logout();
  const sent = api.requests.length;
  await assert.rejects(client.request({ url: '/v1/me' }), (err) => {
    assert.equal(err.code, 'NOT_LOGGED_IN');
    assert.equal(err.statusCode, undefined); // refused before sending anything
    return true;
  });
  await assert.rejects(client.register({ nickname: 'Ann' }), { code: 'NOT_LOGGED_IN' });
  assert.equal(api.requests.length, sent);
  assert.equal(api.logins, 1);
  // The mini program restarts: a new client on the same storage is still logged out.
  const restarted = createClient({ baseURL: BASE, api });
  await assert.rejects(restarted.request({ url: '/v1/me' }), { code: 'NOT_LOGGED_IN' });
  assert.equal(api.logins, 1);
  // The app asks to log in: from then on requests work (and log in again when needed).
  assert.equal((await restarted.login()).sessionId, 'sess-2');
  assert.equal((await restarted.request({ url: '/v1/me' })).data.token, 'sess-2');
  await restarted.logout();
  await restarted.login();
  assert.equal((await restarted.request({ url: '/v1/me' })).data.token, 'sess-3');
});

// -- no replay after a 401 the route may have sent half way --------------------------------

for (const method of ['POST', 'PUT', 'PATCH', 'delete']) {
  test(`a ${method} answered 401 SESSION_EXPIRED is not sent again`, async () => {
    let ran = 0;
    const { api, client } = setup({}, {
      // As a Flask view does when it reads the lazy current_user after writing something.
      '/v1/orders': () => {
        ran += 1;
        return error(401, 'SESSION_EXPIRED');
      },
    });
    await client.login();
    const res = await client.request({ url: '/v1/orders', method, data: { n: 1 } });
    assert.equal(res.statusCode, 401);
    assert.equal(res.data.error.code, 'SESSION_EXPIRED');
    assert.equal(ran, 1);
    assert.equal(api.logins, 1); // no login for it either
    assert.equal(client.session(), null); // the refused session is dropped
    // The next request logs in by itself, as after any lost session.
    assert.equal((await client.request({ url: '/v1/me' })).data.token, 'sess-2');
  });
}

test('GET, HEAD and OPTIONS are sent again after the re-login', async () => {
  for (const method of [undefined, 'get', 'HEAD', 'OPTIONS']) {
    let first = true;
    const { api, client } = setup({}, {
      '/v1/me': () => (first ? ((first = false), error(401, 'SESSION_EXPIRED')) : undefined),
    });
    await client.login();
    const res = await client.request({ url: '/v1/me', method });
    assert.equal(res.statusCode, 200, String(method));
    assert.equal(res.data.token, 'sess-2');
    assert.equal(api.sent('/v1/me').length, 2);
  }
});

test('replay: true lets the app say a request is safe to send twice', async () => {
  let first = true;
  const { api, client } = setup({}, {
    '/v1/orders': () => (first ? ((first = false), error(401, 'SESSION_INVALID')) : undefined),
  });
  await client.login();
  const data = { id: 'order-1' };
  const res = await client.request({ url: '/v1/orders', method: 'PUT', data, replay: true });
  assert.equal(res.statusCode, 200);
  assert.equal(res.data.token, 'sess-2');
  const sent = api.sent('/v1/orders');
  assert.deepEqual(sent.map((r) => r.header.Authorization), ['Bearer sess-1', 'Bearer sess-2']);
  assert.ok(sent.every((r) => !('replay' in r))); // the SDK's option is not passed on
});

// -- session ids are checked; failed logins back off -----------------------------------------

const MALFORMED = [
  ['empty', ''],
  ['a number', 42],
  ['null', null],
  ['missing', undefined],
  ['too long', 'a'.repeat(129)],
  ['CR/LF', 'sess-1\r\nX-Injected: 1'],
  ['a space', 'sess 1'],
  ['not ASCII', 'séss-1'],
];
for (const [label, sessionId] of MALFORMED) {
  test(`a login answering a session_id that is ${label} fails; nothing is stored`, async () => {
    const { api, client } = setup({}, {
      '/v1/auth/wechat/login': () => ({
        statusCode: 200,
        data: { session_id: sessionId, expires_in: 7200, registered: true },
      }),
    });
    await assert.rejects(client.login(), (err) => {
      assert.equal(err.code, 'SESSION_ID_MALFORMED');
      return true;
    });
    assert.equal(api.storage.has('wxsession'), false);
    assert.equal(client.session(), null);
  });
}

test('a stored session id that is not one is never sent (no header injection)', async () => {
  const { api, client } = setup();
  api.storage.set('wxsession', { sessionId: 'sess-0\r\nX-Injected: 1', registered: true });
  assert.equal(client.session(), null);
  const res = await client.request({ url: '/v1/me' });
  assert.equal(res.data.token, 'sess-1');
  assert.equal(api.requests.length, 2); // a login, then the request
  for (const req of api.requests) assert.doesNotMatch(req.header.Authorization || '', /[\r\n]/);
  assert.equal(api.sent('/v1/auth/wechat/login')[0].header.Authorization, undefined);
});

test('every login refused: 5 requests cost one login, then logins back off', async () => {
  let clock = 1_000_000;
  let refuse = true;
  const { api, client } = setup({ now: () => clock }, {
    '/v1/auth/wechat/login': () => (refuse ? error(401, 'WECHAT_CODE_INVALID') : undefined),
  });
  api.storage.set('wxsession', { sessionId: 'stale', registered: true });
  const posts = () => api.sent('/v1/auth/wechat/login').length;
  const codes = [];
  for (let i = 0; i < 5; i += 1) {
    codes.push(await client.request({ url: '/v1/me' }).catch((err) => err.code));
  }
  assert.deepEqual(codes, ['WECHAT_CODE_INVALID', ...Array(4).fill('LOGIN_BACKOFF')]);
  assert.equal(posts(), 2); // one login: its code, and the one retry with a fresh code
  // At once, too; and an explicit login() waits as well.
  const together = await Promise.allSettled(
    Array.from({ length: 5 }, () => client.request({ url: '/v1/me' }))
  );
  assert.ok(together.every((r) => r.status === 'rejected' && r.reason.code === 'LOGIN_BACKOFF'));
  await assert.rejects(client.login(), { code: 'LOGIN_BACKOFF' });
  assert.equal(posts(), 2);
  // After the first wait (1 s) one more login is tried; it fails, and the next wait is 2 s.
  clock += 1000;
  await assert.rejects(client.request({ url: '/v1/me' }), { code: 'WECHAT_CODE_INVALID' });
  assert.equal(posts(), 4);
  clock += 1000;
  await assert.rejects(client.request({ url: '/v1/me' }), (err) => {
    assert.equal(err.code, 'LOGIN_BACKOFF');
    assert.equal(err.retryAfter, 1); // seconds, rounded up
    assert.equal(err.cause.code, 'WECHAT_CODE_INVALID');
    return true;
  });
  assert.equal(posts(), 4);
  // Once logins are answered again, the next one after the wait succeeds.
  refuse = false;
  clock += 1000;
  assert.equal((await client.request({ url: '/v1/me' })).data.token, 'sess-1');
  assert.equal(posts(), 5);
  assert.equal(api.sent('/v1/me').length, 2); // the stale one, and this one
});

test('the backoff can be tuned (loginBackoff) and resets after a good login', async () => {
  let clock = 0;
  let refuse = true;
  const { api, client } = setup({ now: () => clock, loginBackoff: { initial: 50, max: 80 } }, {
    '/v1/auth/wechat/login': () => (refuse ? error(429, 'RATE_LIMITED') : undefined),
  });
  for (const wait of [50, 80, 80]) {
    await assert.rejects(client.login(), { code: 'RATE_LIMITED' });
    await assert.rejects(client.login(), { code: 'LOGIN_BACKOFF', retryAfter: 1 });
    clock += wait;
  }
  refuse = false;
  await client.login();
  refuse = true;
  await assert.rejects(client.login(), { code: 'RATE_LIMITED' });
  await assert.rejects(client.login(), { code: 'LOGIN_BACKOFF', retryAfter: 1 });
  assert.equal(api.logins, 5);
});

test("a failed login's Retry-After holds the next login back when it asks for longer", async () => {
  let clock = 0;
  const { api, client } = setup({ now: () => clock }, {
    '/v1/auth/wechat/login': () => ({
      statusCode: 429,
      header: { 'Retry-After': '30' },
      data: { error: { code: 'RATE_LIMITED', message: 'slow down' } },
    }),
  });
  await assert.rejects(client.login(), { code: 'RATE_LIMITED', retryAfter: 30 });
  clock += 1000; // the doubling backoff alone would let a login out now
  await assert.rejects(client.login(), { code: 'LOGIN_BACKOFF', retryAfter: 29 });
  assert.equal(api.logins, 1);
  clock += 29 * 1000;
  await assert.rejects(client.login(), { code: 'RATE_LIMITED' });
  assert.equal(api.logins, 2);
});

// -- redirects and urls -------------------------------------------------------------------

test('every api.request asks not to follow redirects; a 3xx answer is refused', async () => {
  const { api, client } = setup({}, {
    '/v1/moved': () => ({ statusCode: 302, data: '' }),
    '/v1/cached': () => ({ statusCode: 304, data: '' }),
  });
  await client.login();
  await assert.rejects(client.request({ url: '/v1/moved', redirect: 'follow' }), {
    code: 'REDIRECT_REFUSED',
    statusCode: 302,
  });
  assert.equal((await client.request({ url: '/v1/cached' })).statusCode, 304);
  assert.ok(api.requests.every((req) => req.redirect === 'manual'));
  assert.equal(api.logins, 1);
  assert.equal(client.session().sessionId, 'sess-1');
});

test('a url that could name another host is refused or stays on baseURL', async () => {
  const { api, client } = setup();
  await client.login();
  for (const url of ['HTTPS://evil.example/x', 'hTtP://evil.example/x', 'javascript:x']) {
    await assert.rejects(client.request({ url }), TypeError);
  }
  for (const url of ['//evil.example/x', '@evil.example/x', '\\\\evil.example/x', '/\\evil']) {
    await client.request({ url });
  }
  assert.equal(api.requests.length, 5); // the login and the four relative urls
  for (const req of api.requests) assert.equal(new URL(req.url).host, 'api.example.com');
});
