'use strict';
// Single-device mode (issue 26): a session the server ended for a login elsewhere
// (401 SESSION_REPLACED) is never taken back by a silent login; the app's onReplaced decides.
const test = require('node:test');
const assert = require('node:assert/strict');

const { createClient } = require('..');
const { setup, error, BASE, fakeApi, fakeServer } = require('./fake-api');

/** A fake server on which `replace()` ends every live session as a login elsewhere would. */
function replacing(options = {}) {
  const replacedIds = new Set();
  const calls = [];
  const made = setup(
    Object.assign({ onReplaced: (err) => calls.push(err) }, options),
    {
      '/v1/me': async (req) => {
        const token = (req.header.Authorization || '').slice(7);
        return replacedIds.has(token) ? error(401, 'SESSION_REPLACED') : undefined;
      },
    }
  );
  const replace = () => {
    for (const id of made.server.live) replacedIds.add(id);
    made.server.live.clear();
  };
  return Object.assign(made, { calls, replace });
}

test('SESSION_REPLACED calls onReplaced once and logs in no more', async () => {
  const { api, client, calls, replace } = replacing();
  assert.equal((await client.request({ url: '/v1/me' })).statusCode, 200);
  replace();
  const answers = await Promise.all([1, 2, 3].map(() => client.request({ url: '/v1/me' })));
  assert.deepEqual(answers.map((a) => a.statusCode), [401, 401, 401]);
  assert.deepEqual(answers.map((a) => a.data.error.code), Array(3).fill('SESSION_REPLACED'));
  await new Promise((resolve) => setImmediate(resolve)); // the hook runs after the answer
  assert.equal(calls.length, 1);
  assert.equal(calls[0].code, 'SESSION_REPLACED');
  assert.equal(calls[0].statusCode, 401);
  assert.equal(api.logins, 1); // no silent login took the session back
  assert.equal(client.session(), null);
  assert.deepEqual(api.storage.get('wxsession'), { loggedOut: true, reason: 'SESSION_REPLACED' });
  await assert.rejects(client.request({ url: '/v1/me' }), { code: 'NOT_LOGGED_IN' });
  assert.equal(api.sent('/v1/auth/wechat/login').length, 1);

  // The app decides to take the session back: an explicit login, and requests work again.
  await client.login();
  assert.equal((await client.request({ url: '/v1/me' })).statusCode, 200);
  assert.equal(calls.length, 1);
});

test('after a restart the replaced client stays logged out until the app logs in', async () => {
  const { api, client, replace } = replacing();
  await client.login();
  replace();
  await client.request({ url: '/v1/me' });
  const restarted = createClient({ baseURL: BASE, api });
  await assert.rejects(restarted.request({ url: '/v1/me' }), { code: 'NOT_LOGGED_IN' });
  assert.equal(api.logins, 1);
});

test('a replaced answer for a session renewed since retries with the new one', async () => {
  const { api, client, calls, replace } = replacing();
  await client.login();
  replace();
  await client.login(); // the app logged in again before the old request came back
  const answer = await client.request({ url: '/v1/me' });
  assert.equal(answer.statusCode, 200);
  assert.equal(answer.data.token, 'sess-2');
  assert.equal(calls.length, 0);
  assert.equal(api.logins, 2);
});

test('a failing onReplaced hook does not break the request', async () => {
  const { client, replace } = replacing({
    onReplaced: () => {
      throw new Error('app bug');
    },
  });
  await client.login();
  replace();
  assert.equal((await client.request({ url: '/v1/me' })).statusCode, 401);
  await new Promise((resolve) => setImmediate(resolve));
});

test('without onReplaced the client still stops, and a logout of it is quiet', async () => {
  const { api, client, replace } = replacing({ onReplaced: undefined });
  await client.login();
  replace();
  assert.equal((await client.request({ url: '/v1/me' })).statusCode, 401);
  await client.logout(); // nothing stored to end: resolves
  assert.equal(api.logins, 1);
});

test('SESSION_REVOKED (logged out everywhere, a password change) logs in again once', async () => {
  const server = fakeServer({
    '/v1/me': async (req) =>
      req.header.Authorization === 'Bearer sess-1' ? error(401, 'SESSION_REVOKED') : undefined,
  });
  const api = fakeApi({ handle: server.handle });
  const onReplaced = () => assert.fail('not replaced');
  const client = createClient({ baseURL: BASE, api, onReplaced });
  await client.login();
  const answer = await client.request({ url: '/v1/me' });
  assert.equal(answer.statusCode, 200);
  assert.equal(answer.data.token, 'sess-2');
  assert.equal(api.logins, 2);
});

test('onReplaced must be a function', () => {
  assert.throws(
    () => createClient({ baseURL: BASE, api: fakeApi({}), onReplaced: 'yes' }),
    TypeError
  );
});
