'use strict';
// Redirects and the session over real HTTP, with a fetch-based `api` (as a fetch runtime
// such as a browser build has): the API server answers 307 to another origin, a second
// server records every header it gets. The session must never reach it.
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');

const { createClient } = require('..');
const { fetchRequest } = require('./http-api');

const SESSION = `${'0'.repeat(32)}.${'A'.repeat(43)}`;

/** Start an http server on 127.0.0.1; resolves with its base URL. */
async function listen(t, handler) {
  const server = http.createServer(handler);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${server.address().port}`;
}

/** The other origin (another port): records the headers of every request it gets. */
async function elsewhere(t) {
  const seen = [];
  const url = await listen(t, (req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ session_id: 'B'.repeat(43), expires_in: 7200, registered: true }));
  });
  return { url, seen };
}

/** The API server: every request is redirected (307 keeps method and body) to `target`. */
async function redirecting(t, target) {
  return listen(t, (req, res) => {
    req.resume();
    res.writeHead(307, { location: `${target}${req.url}` });
    res.end();
  });
}

function fetchApi(storage = new Map()) {
  const api = {
    storage,
    logins: 0,
    login({ success }) {
      api.logins += 1;
      setImmediate(() => success({ code: `code-${api.logins}` }));
    },
    request: (options) => fetchRequest(options),
    getStorageSync: (key) => (storage.has(key) ? storage.get(key) : ''),
    setStorageSync: (key, value) => storage.set(key, value),
    removeStorageSync: (key) => storage.delete(key),
  };
  return api;
}

function withSession(api) {
  api.storage.set('wxsession', { sessionId: SESSION, registered: true });
  return api;
}

test('the servers are real: fetch, left to follow, takes X-Session-Id elsewhere', async (t) => {
  // What the SDK must prevent: fetch drops Authorization on a cross-origin redirect, but a
  // custom header goes along.
  const other = await elsewhere(t);
  const api = await redirecting(t, other.url);
  const res = await fetch(`${api}/v1/me`, {
    headers: { 'X-Session-Id': SESSION, Authorization: `Bearer ${SESSION}` },
  });
  assert.equal(res.status, 200);
  assert.equal(other.seen.length, 1);
  assert.equal(other.seen[0]['x-session-id'], SESSION);
  assert.equal(other.seen[0].authorization, undefined);
});

for (const header of ['X-Session-Id', 'Authorization']) {
  test(`a redirect is refused, never followed with the session (${header})`, async (t) => {
    const other = await elsewhere(t);
    const baseURL = await redirecting(t, other.url);
    const api = withSession(fetchApi());
    const client = createClient({ baseURL, api, header });
    for (const method of ['GET', 'POST']) {
      await assert.rejects(client.request({ url: '/v1/me', method, data: { a: 1 } }), (err) => {
        assert.equal(err.code, 'REDIRECT_REFUSED');
        assert.equal(err.statusCode, 307);
        return true;
      });
    }
    assert.deepEqual(other.seen, []); // nothing reached the other origin
    assert.equal(api.logins, 0); // a redirect says nothing about the session
    assert.equal(client.session().sessionId, SESSION);
  });
}

test('a redirected login is refused: neither the code nor the old session leave', async (t) => {
  const other = await elsewhere(t);
  const baseURL = await redirecting(t, other.url);
  const api = withSession(fetchApi());
  const client = createClient({ baseURL, api, header: 'X-Session-Id' });
  await assert.rejects(client.login(), { code: 'REDIRECT_REFUSED', statusCode: 307 });
  assert.deepEqual(other.seen, []);
  // The other origin's "session" was never taken either: the stored one is still there.
  assert.equal(client.session().sessionId, SESSION);
  assert.equal(api.logins, 1);
});
