'use strict';
// The SDK against a real wxsession server whose Redis dies and comes back: a 503 keeps the
// stored session (no login stampede while the store is down), only a 401 drops it.
// tests/system/reliability/test_sdk_store_outage.py starts the servers and sets the variables.
const test = require('node:test');
const assert = require('node:assert/strict');

const { createClient } = require('..');
const { httpApi, postJSON } = require('../test/http-api');

const { WXSESSION_URL, EMULATOR_URL, CONTROL_URL, APPID } = process.env;
const skip = !(WXSESSION_URL && EMULATOR_URL && CONTROL_URL && APPID)
  ? 'needs WXSESSION_URL, EMULATOR_URL, CONTROL_URL, APPID (see pytest)'
  : false;

test('503 while Redis is down keeps the session; 401 after a revocation drops it', { skip }, async () => {
  const api = httpApi('outage', { emulatorURL: EMULATOR_URL, appid: APPID });
  const client = createClient({ baseURL: WXSESSION_URL, api });
  const first = await client.login();
  assert.equal((await client.request({ url: '/v1/me' })).statusCode, 200);

  await postJSON(`${CONTROL_URL}/redis/stop`, {});
  for (let i = 0; i < 3; i += 1) {
    const res = await client.request({ url: '/v1/me' });
    assert.equal(res.statusCode, 503);
    assert.equal(res.data.error.code, 'SESSION_STORE_UNAVAILABLE');
  }
  assert.equal(client.session().sessionId, first.sessionId); // kept, not dropped
  assert.equal(api.logins, 1); // and no new wx.login while the store is down

  await postJSON(`${CONTROL_URL}/redis/start`, {});
  const back = await client.request({ url: '/v1/me' });
  assert.equal(back.statusCode, 200); // the same session, persisted by Redis
  assert.equal(client.session().sessionId, first.sessionId);
  assert.equal(api.logins, 1);

  // Revoked on the server (log out everywhere, from another device): now a 401.
  const revoked = await fetch(`${WXSESSION_URL}/v1/auth/logout-all`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${first.sessionId}` },
  });
  assert.equal(revoked.status, 204);
  const after = await client.request({ url: '/v1/me' });
  assert.equal(after.statusCode, 200); // dropped, logged in once more, retried
  assert.notEqual(client.session().sessionId, first.sessionId);
  assert.equal(api.logins, 2);
  assert.deepEqual(api.errors, [
    'SESSION_STORE_UNAVAILABLE',
    'SESSION_STORE_UNAVAILABLE',
    'SESSION_STORE_UNAVAILABLE',
    'SESSION_REVOKED',
  ]);
});
