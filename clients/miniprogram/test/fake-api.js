'use strict';
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

module.exports = { fakeApi, error, loginAnswer, BASE };
