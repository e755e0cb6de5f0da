'use strict';
// `wx`-like apis over real HTTP for the end-to-end tests (test/e2e.test.js,
// test/platforms.e2e.test.js and reliability/store-outage.test.js). No tests here.
const assert = require('node:assert/strict');

async function postJSON(url, body) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.ok(res.ok, `${url} answered ${res.status}`);
  return res.json();
}

/**
 * `api.request` over real HTTP with fetch, as a fetch-based runtime does it: `redirect` is
 * passed on to fetch (whose default, like a browser's, is to follow). Records error codes.
 */
function fetchRequest(options, errors) {
  const { url, method = 'GET', data, header = {}, redirect, success, fail } = options;
  const init = { method, headers: Object.assign({}, header) };
  if (redirect) init.redirect = redirect;
  let target = url;
  if (method === 'GET' && data) {
    target += `?${new URLSearchParams(data)}`;
  } else if (data !== undefined) {
    init.body = typeof data === 'string' ? data : JSON.stringify(data);
    init.headers['content-type'] = 'application/json';
  }
  fetch(target, init)
    .then(async (res) => {
      const text = await res.text();
      let body = text;
      try {
        body = JSON.parse(text);
      } catch (_) {
        // not JSON (e.g. the empty 204 body): wx.request hands back the text too
      }
      if (errors && body && body.error) errors.push(body.error.code);
      return { statusCode: res.status, data: body, header: Object.fromEntries(res.headers) };
    })
    .then(success, (err) => fail({ errMsg: `request:fail ${err.message}` }));
}

/**
 * An `api` object like `wx` for one simulated user: `login` asks the emulator for a code,
 * `request` does real HTTP with fetch, storage lives in memory. Counts what it does.
 */
function httpApi(user, { emulatorURL, appid }) {
  const storage = new Map();
  const api = {
    storage,
    logins: 0,
    loginPosts: 0,
    /** The error codes the server answered, in order. */
    errors: [],
    login({ success, fail }) {
      api.logins += 1;
      postJSON(`${emulatorURL}/_emulator/login`, { appid, user }).then(
        ({ code }) => success({ code, errMsg: 'login:ok' }),
        (err) => fail({ errMsg: `login:fail ${err.message}` })
      );
    },
    request(options) {
      if (options.url.endsWith('/v1/auth/wechat/login')) api.loginPosts += 1;
      fetchRequest(options, api.errors);
    },
    getStorageSync: (key) => (storage.has(key) ? storage.get(key) : ''),
    setStorageSync: (key, value) => storage.set(key, value),
    removeStorageSync: (key) => storage.delete(key),
  };
  return api;
}

/** The platform call that hands out a login code, by provider (see platforms.js). */
const CODE_CALLS = { alipay: 'getAuthCode', baidu: 'getLoginCode' };

/**
 * A platform's own global object (`qq`, `tt`, `my`, `swan`, `ks`) for one simulated user of
 * a dev-mode server: its login-code call asks the server's emulator for a code of that
 * platform (`POST /_emulator/login {user, platform}`) and answers in the platform's shape
 * (`authCode` on Alipay); requests are real HTTP. Alipay's is Alipay-shaped all through:
 * `headers` in, `{status, headers, data}` out, a status outside 2xx through `fail` with
 * error 19, storage by `{key}`. Counts the codes it handed out.
 */
function platformGlobal(provider, user, { devURL }) {
  const storage = new Map();
  const own = {
    storage,
    codes: 0,
    /** The error codes the server answered, in order. */
    errors: [],
  };
  own[CODE_CALLS[provider] || 'login'] = ({ success, fail }) => {
    own.codes += 1;
    postJSON(`${devURL}/_emulator/login`, { user, platform: provider }).then(
      ({ code }) => success(provider === 'alipay' ? { authCode: code } : { code }),
      (err) => fail({ errMsg: `login:fail ${err.message}`, errorMessage: err.message })
    );
  };
  if (provider !== 'alipay') {
    return Object.assign(own, {
      request: (options) => fetchRequest(options, own.errors),
      getStorageSync: (key) => (storage.has(key) ? storage.get(key) : ''),
      setStorageSync: (key, value) => storage.set(key, value),
      removeStorageSync: (key) => storage.delete(key),
    });
  }
  return Object.assign(own, {
    request(options) {
      fetchRequest(
        Object.assign({}, options, {
          header: options.headers,
          success: (res) => {
            // Asked for text (the SDK does), Alipay hands the body back unparsed.
            const text = typeof res.data === 'string' ? res.data : JSON.stringify(res.data);
            const data = options.dataType === 'text' ? text : res.data;
            const answer = { status: res.statusCode, headers: res.header, data };
            if (res.statusCode >= 200 && res.statusCode < 300) options.success(answer);
            else options.fail(Object.assign({ error: 19, errorMessage: 'http error' }, answer));
          },
          fail: (err) => options.fail({ error: 12, errorMessage: err.errMsg }),
        }),
        own.errors
      );
    },
    getStorageSync: ({ key }) => ({ data: storage.has(key) ? storage.get(key) : null }),
    setStorageSync: ({ key, data }) => storage.set(key, data),
    removeStorageSync: ({ key }) => storage.delete(key),
  });
}

module.exports = { httpApi, platformGlobal, fetchRequest, postJSON };
