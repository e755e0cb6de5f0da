'use strict';
const { createClient } = require('..');
/**
 * A scripted stand-in for `wx`: in-memory storage, wx.login handing out numbered codes, and
 * wx.request answered by a handler the test writes. Everything it was asked is recorded.
 */

/**
 * @param {object} script
 * @param {(req: object, api: object) => any} script.handle answers one api.request with
 *   `{statusCode, data, header?}` (or a promise of it), or 'fail' to call `fail` (no HTTP answer).
 * @param {() => boolean} [script.checkSession] whether wx.checkSession succeeds.
 * @param {() => boolean} [script.loginFails] whether wx.login fails.
 */
function fakeApi(script) {
  const storage = new Map();
  const api = {
    storage,
    logins: 0,
    checks: 0,
    requests: [],
    login({ success, fail }) {
      api.logins += 1;
      const n = api.logins;
      setImmediate(() => {
        if (script.loginFails && script.loginFails()) fail({ errMsg: 'login:fail' });
        else success({ code: `code-${n}`, errMsg: 'login:ok' });
      });
    },
    checkSession({ success, fail }) {
      api.checks += 1;
      setImmediate(() => (script.checkSession && !script.checkSession() ? fail({}) : success({})));
    },
    request(req) {
      api.requests.push(req);
      setImmediate(async () => {
        const answer = await script.handle(req, api);
        if (answer === 'fail') req.fail({ errMsg: 'request:fail timeout' });
        else req.success({ statusCode: answer.statusCode, data: answer.data, header: answer.header || {} });
      });
    },
    getStorageSync(key) {
      return storage.has(key) ? storage.get(key) : '';
    },
    setStorageSync(key, value) {
      storage.set(key, JSON.parse(JSON.stringify(value)));
    },
    removeStorageSync(key) {
      storage.delete(key);
    },
    /** The requests sent to `path` (relative to the test base URL). */
    sent(path) {
      return api.requests.filter((req) => req.url === BASE + path);
    },
  };
  return api;
}

const BASE = 'https://api.example.com';

function error(statusCode, code) {
  return { statusCode, data: { error: { code, message: `${code} (test)` } } };
}

function loginAnswer(sessionId, expiresIn = 7200) {
  return {
    statusCode: 200,
    data: { session_id: sessionId, expires_in: expiresIn, registered: true, user: { id: 'u1' } },
  };
}

/**
 * A tiny stand-in for the wxsession server: login issues sess-1, sess-2, …; other paths
 * answer 200 for a live session and 401 otherwise. `live` can be emptied to "expire" all.
 */
function fakeServer(overrides = {}) {
  const server = { live: new Set(), issued: 0, loginBodies: [] };
  server.handle = async (req) => {
    const path = req.url.slice(BASE.length);
    if (overrides[path]) {
      const answer = await overrides[path](req);
      if (answer) return answer;
    }
    const auth = req.header.Authorization || '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : null;
    if (path === '/v1/auth/wechat/login') {
      server.loginBodies.push(req.data);
      server.issued += 1;
      const id = `sess-${server.issued}`;
      server.live.add(id);
      if (token) server.live.delete(token); // the presented session is ended
      return loginAnswer(id);
    }
    if (!token) return error(401, 'SESSION_MISSING');
    if (!server.live.has(token)) return error(401, 'SESSION_INVALID');
    if (path === '/v1/auth/logout') {
      server.live.delete(token);
      return { statusCode: 204, data: '' };
    }
    return { statusCode: 200, data: { path, token, method: req.method, body: req.data } };
  };
  return server;
}

/** A client on a fakeServer (`overrides`, per path) through a fakeApi (`script`). */
function setup(options = {}, overrides = {}, script = {}) {
  const server = fakeServer(overrides);
  const api = fakeApi(Object.assign({ handle: server.handle }, script));
  const client = createClient(Object.assign({ baseURL: BASE, api }, options));
  return { server, api, client };
}

module.exports = { fakeApi, fakeServer, setup, error, loginAnswer, BASE };
