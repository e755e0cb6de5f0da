'use strict';
// End-to-end: the SDK against the real wxsession server and WeChat emulator, over real HTTP.
// tests/system/test_miniprogram_sdk.py starts them and sets the variables below; run alone
// (plain `node --test`), this file skips itself.
const test = require('node:test');
const assert = require('node:assert/strict');

const { createClient } = require('..');
const { httpApi, postJSON } = require('./http-api');

const { WXSESSION_URL, WXSESSION_HEADER_URL, EMULATOR_URL, CONTROL_URL, APPID } = process.env;
const skip = !(WXSESSION_URL && WXSESSION_HEADER_URL && EMULATOR_URL && CONTROL_URL && APPID)
  ? 'needs WXSESSION_URL, WXSESSION_HEADER_URL, EMULATOR_URL, CONTROL_URL, APPID (see pytest)'
  : false;

function clientFor(user, options = {}) {
  const api = httpApi(user, { emulatorURL: EMULATOR_URL, appid: APPID });
  return { api, client: createClient(Object.assign({ baseURL: WXSESSION_URL, api }, options)) };
}

async function advanceServerClock(seconds) {
  await postJSON(`${CONTROL_URL}/advance`, { seconds });
}

/** The client's clock (its login backoff), moved by hand: the tests never sleep. */
function movableClock() {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms) => (offset += ms) };
}

test('first login, then a protected call', { skip }, async () => {
  const { api, client } = clientFor('e2e-first');
  const session = await client.login();
  assert.match(session.sessionId, /^\S{20,}$/);
  assert.equal(session.registered, true);
  assert.equal(typeof session.user.id, 'string');
  assert.equal(session.expiresIn, 7200);
  const me = await client.request({ url: '/v1/me' });
  assert.equal(me.statusCode, 200);
  assert.equal(me.data.id, session.user.id);
  assert.equal(api.logins, 1);
  assert.equal(api.loginPosts, 1);
});

test('a first request logs in by itself', { skip }, async () => {
  const { api, client } = clientFor('e2e-lazy');
  const me = await client.request({ url: '/v1/me' });
  assert.equal(me.statusCode, 200);
  assert.equal(api.loginPosts, 1);
  assert.equal(client.session().sessionId.length > 20, true);
});

test('a custom header carries the session to a server configured for it', { skip }, async () => {
  // That server runs with WXSESSION_HEADER_NAME=X-Session-Id.
  const { api, client } = clientFor('e2e-header', {
    baseURL: WXSESSION_HEADER_URL,
    header: 'X-Session-Id',
  });
  const me = await client.request({ url: '/v1/me' });
  assert.equal(me.statusCode, 200);
  assert.equal(api.loginPosts, 1);
  await client.logout();
  assert.equal(client.session(), null);
});

test('a custom header needs the server configured for it: the default server refuses it', {
  skip,
}, async () => {
  // The test server reads Authorization only, so a raw X-Session-Id is "missing": the SDK
  // logs in once more, retries once, and returns the 401 instead of looping.
  const { api, client } = clientFor('e2e-header', { header: 'X-Session-Id' });
  const me = await client.request({ url: '/v1/me' });
  assert.equal(me.statusCode, 401);
  assert.equal(me.data.error.code, 'SESSION_MISSING');
  assert.equal(api.loginPosts, 2);
});

test('expiry forced on the server: 20 concurrent requests share exactly one re-login', {
  skip,
}, async () => {
  const { api, client } = clientFor('e2e-expiry');
  const first = await client.login();
  assert.equal((await client.request({ url: '/v1/me' })).statusCode, 200);
  await advanceServerClock(7200 + 1); // past the idle timeout, on the server's clock only

  const results = await Promise.all(
    Array.from({ length: 20 }, () => client.request({ url: '/v1/me' }))
  );
  for (const res of results) {
    assert.equal(res.statusCode, 200);
    assert.equal(res.data.id, first.user.id); // the same user, a new session
  }
  assert.equal(api.logins, 2);
  assert.equal(api.loginPosts, 2); // the first login and exactly one re-login
  assert.notEqual(client.session().sessionId, first.sessionId);
  // The server did say so: expired (first), then invalid (the record is gone by then).
  assert.equal(api.errors.length, 20);
  assert.ok(api.errors.includes('SESSION_EXPIRED'), api.errors.join());
  assert.ok(api.errors.every((code) => /^SESSION_(EXPIRED|INVALID)$/.test(code)));
  // The old session is dead on the server.
  const direct = await fetch(`${WXSESSION_URL}/v1/me`, {
    headers: { Authorization: `Bearer ${first.sessionId}` },
  });
  assert.equal(direct.status, 401);
});

test('logout ends the session on the server and clears storage', { skip }, async () => {
  const { api, client } = clientFor('e2e-logout');
  const { sessionId } = await client.login();
  await client.logout();
  assert.equal(client.session(), null);
  assert.deepEqual([...api.storage.values()], [{ loggedOut: true }]); // no session left
  const after = await fetch(`${WXSESSION_URL}/v1/me`, {
    headers: { Authorization: `Bearer ${sessionId}` },
  });
  assert.equal(after.status, 401);
  assert.equal((await after.json()).error.code, 'SESSION_INVALID');
  // Logging out again is a no-op; requests wait for the app to log in again.
  await client.logout();
  await assert.rejects(client.request({ url: '/v1/me' }), { code: 'NOT_LOGGED_IN' });
  assert.equal(api.loginPosts, 1);
  await client.login();
  assert.equal((await client.request({ url: '/v1/me' })).statusCode, 200);
  assert.equal(api.loginPosts, 2);
});

test('a POST refused for an expired session comes back as is: never sent twice', {
  skip,
}, async () => {
  const { api, client } = clientFor('e2e-no-replay');
  await client.login();
  await advanceServerClock(7200 + 1);
  const body = { username: 'e2e-no-replay', password: 'a long e2e passphrase' };
  const res = await client.request({
    url: '/v1/me/identities/password',
    method: 'POST',
    data: body,
    reauth: true,
  });
  assert.equal(res.statusCode, 401);
  assert.equal(res.data.error.code, 'SESSION_EXPIRED');
  assert.deepEqual(api.errors, ['SESSION_EXPIRED']); // sent once
  assert.equal(api.loginPosts, 1); // and no login made for it
  assert.equal(client.session(), null);
  // The app decides: here it knows the route refused before running, so it sends it again.
  const again = await client.request({
    url: '/v1/me/identities/password',
    method: 'POST',
    data: body,
    reauth: true,
  });
  assert.equal(again.statusCode, 201);
  assert.equal(api.loginPosts, 2);
});

test('WeChat rate limit (45011) surfaces, both sides hold back, then it clears', {
  skip,
}, async () => {
  const clock = movableClock();
  const { api, client } = clientFor('e2e-ratelimit', { now: clock.now });
  await postJSON(`${EMULATOR_URL}/_emulator/faults`, { errcode: 45011, count: 1 });
  try {
    await assert.rejects(client.request({ url: '/v1/me' }), (err) => {
      assert.equal(err.code, 'RATE_LIMITED');
      assert.equal(err.statusCode, 429);
      assert.equal(err.data.error.code, 'RATE_LIMITED');
      assert.equal(err.retryAfter, 60);
      return true;
    });
    // The client holds its next login back as long as the server asked, not the 1 s of its
    // own backoff.
    clock.advance(1000);
    await assert.rejects(client.request({ url: '/v1/me' }), {
      code: 'LOGIN_BACKOFF',
      retryAfter: 59,
    });
    assert.equal(api.loginPosts, 1);
    // Meanwhile the server leaves WeChat alone for 5 s of its own clock: 503, no call.
    clock.advance(59 * 1000);
    await assert.rejects(client.request({ url: '/v1/me' }), {
      code: 'WECHAT_UNAVAILABLE',
      statusCode: 503,
      retryAfter: 5,
    });
    assert.equal(api.loginPosts, 2); // one per wait: never retried, never looped
    clock.advance(5 * 1000);
    assert.equal(client.session(), null);
    await advanceServerClock(5);
    assert.equal((await client.request({ url: '/v1/me' })).statusCode, 200);
  } finally {
    await fetch(`${EMULATOR_URL}/_emulator/faults`, { method: 'DELETE' });
  }
});

test('WeChat busy (-1) during a re-login: the error surfaces once, no loop', { skip }, async () => {
  const clock = movableClock();
  const { api, client } = clientFor('e2e-busy', { now: clock.now });
  await client.login();
  await advanceServerClock(7200 + 1);
  await postJSON(`${EMULATOR_URL}/_emulator/faults`, { errcode: -1, count: 1 });
  try {
    await assert.rejects(client.request({ url: '/v1/me' }), {
      code: 'WECHAT_UNAVAILABLE',
      statusCode: 503,
    });
    assert.equal(api.loginPosts, 2);
    assert.equal(client.session(), null); // the expired session was dropped
    await assert.rejects(client.request({ url: '/v1/me' }), { code: 'LOGIN_BACKOFF' });
    assert.equal(api.loginPosts, 2);
    clock.advance(5 * 1000); // the 503's Retry-After, longer than the client's own 1 s
    await advanceServerClock(5); // the server leaves a busy WeChat alone for 5 s
    assert.equal((await client.request({ url: '/v1/me' })).statusCode, 200);
    assert.equal(api.loginPosts, 3);
  } finally {
    await fetch(`${EMULATOR_URL}/_emulator/faults`, { method: 'DELETE' });
  }
});

test('a server that cannot be reached gives NETWORK_ERROR', { skip }, async () => {
  const { client } = clientFor('e2e-down', { baseURL: 'http://127.0.0.1:9' });
  await assert.rejects(client.login(), { code: 'NETWORK_ERROR' });
});

test('changing how the account signs in needs the reauth proof the SDK supplies', {
  skip,
}, async () => {
  const { api, client } = clientFor('e2e-reauth');
  const first = await client.login();
  const body = { username: 'e2e-reauth', password: 'a long e2e passphrase' };
  const add = { url: '/v1/me/identities/password', method: 'POST', data: body };

  // What a stolen session alone gets: refused, the session kept, no login made for it.
  const bare = await client.request(add);
  assert.equal(bare.statusCode, 401);
  assert.equal(bare.data.error.code, 'REAUTHENTICATION_REQUIRED');
  assert.equal(client.session().sessionId, first.sessionId);

  const added = await client.request(Object.assign({ reauth: true }, add));
  assert.equal(added.statusCode, 201);
  assert.equal(client.session().sessionId, added.data.session_id); // the fresh one is kept
  const me = await client.request({ url: '/v1/me' });
  assert.equal(me.data.id, first.user.id);
  assert.equal(api.loginPosts, 1); // one login; the proof was a code, not a login

  // Unbinding the password the same way (a DELETE with a body), then it is gone.
  const unbound = await client.request({
    url: '/v1/me/identities/password',
    method: 'DELETE',
    reauth: true,
  });
  assert.equal(unbound.statusCode, 200);
  const ways = await client.request({ url: '/v1/me/identities' });
  assert.deepEqual(ways.data.identities.map((w) => w.provider), ['wechat']);
  assert.equal(api.loginPosts, 1);
});

test('two mini programs on one server: each client names its appid', { skip }, async () => {
  // That server holds two mini programs (WXSESSION_WECHAT_APPS); the emulator knows both.
  const { WXSESSION_APPS_URL, APPID2 } = process.env;
  assert.ok(WXSESSION_APPS_URL && APPID2, 'needs WXSESSION_APPS_URL and APPID2 (see pytest)');
  const on = (appid, options = {}) => {
    const api = httpApi('e2e-apps', { emulatorURL: EMULATOR_URL, appid });
    const base = { baseURL: WXSESSION_APPS_URL, api, appid };
    return { api, client: createClient(Object.assign(base, options)) };
  };
  const first = on(APPID);
  const second = on(APPID2);
  const one = await first.client.login();
  const two = await second.client.login();
  // The same person on two apps: identities are per app, so two accounts.
  assert.notEqual(one.user.id, two.user.id);
  assert.equal((await second.client.request({ url: '/v1/me' })).data.id, two.user.id);

  // Several apps and none named, or one the server does not know: refused before any
  // platform call, and not retried with a fresh code (a code cannot help).
  const unnamed = on(APPID, { appid: undefined });
  await assert.rejects(unnamed.client.login(), { code: 'APPID_REQUIRED', statusCode: 400 });
  const unknown = on(APPID, { appid: 'wx0000000000000000' });
  await assert.rejects(unknown.client.login(), { code: 'UNKNOWN_APP', statusCode: 400 });
  assert.equal(unnamed.api.loginPosts + unknown.api.loginPosts, 2);
});

const REPLACED_E2E = 'single-device mode: the replaced device asks its app, it does not log in';
test(REPLACED_E2E, { skip }, async () => {
  const { WXSESSION_SINGLE_URL } = process.env;
  assert.ok(WXSESSION_SINGLE_URL, 'WXSESSION_SINGLE_URL is set by pytest');
  const told = [];
  const phone = clientFor('e2e-single', {
    baseURL: WXSESSION_SINGLE_URL,
    onReplaced: (error) => told.push(error.code),
  });
  const tablet = clientFor('e2e-single', { baseURL: WXSESSION_SINGLE_URL });
  assert.equal((await phone.client.request({ url: '/v1/me' })).statusCode, 200);
  await tablet.client.login(); // the same WeChat user on a second device
  const refused = await phone.client.request({ url: '/v1/me' });
  assert.equal(refused.statusCode, 401);
  assert.equal(refused.data.error.code, 'SESSION_REPLACED');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(told, ['SESSION_REPLACED']);
  assert.equal(phone.api.loginPosts, 1); // no silent login took the session back
  await assert.rejects(phone.client.request({ url: '/v1/me' }), { code: 'NOT_LOGGED_IN' });
  assert.equal((await tablet.client.request({ url: '/v1/me' })).statusCode, 200);

  await phone.client.login(); // the app asked the user, who takes it back
  assert.equal((await phone.client.request({ url: '/v1/me' })).statusCode, 200);
  const back = await tablet.client.request({ url: '/v1/me' });
  assert.equal(back.data.error.code, 'SESSION_REPLACED');
  assert.equal(tablet.api.loginPosts, 1);
});
