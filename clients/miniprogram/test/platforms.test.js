'use strict';
// Unit tests: every platform's own login-code call (platforms.js), Alipay's own `my` in
// wx's shape, uni-app's uni.login({provider}) and the `appid` option; no network.
const test = require('node:test');
const assert = require('node:assert/strict');

const { createClient } = require('..');
const { fakeApi, fakeServer, error, loginAnswer, BASE } = require('./fake-api');

/** Run `body` with `value` as the runtime's global `name` (as a mini program has it). */
async function withGlobal(name, value, body) {
  globalThis[name] = value;
  try {
    return await body();
  } finally {
    delete globalThis[name];
  }
}

/**
 * A stand-in for Alipay's own `my` over a fakeServer: `getAuthCode` hands out `auth-1`,
 * `auth-2`, … (recording its options); `request` takes `headers`, answers `{status, headers,
 * data}` with the body as text when `dataType: 'text'`, and a status outside 2xx goes to
 * `fail` with error 19, as Alipay does; storage takes `{key}` objects.
 */
function fakeMy(server, script = {}) {
  const storage = new Map();
  const my = {
    storage,
    authCalls: [],
    requests: [],
    getAuthCode(options) {
      my.authCalls.push(options);
      const n = my.authCalls.length;
      setImmediate(() => {
        if (script.authFails) options.fail({ error: 11, errorMessage: '用户取消授权' });
        else if (script.noCode) options.success({ authErrorScopes: {} });
        else options.success({ authCode: `auth-${n}`, authSuccessScopes: ['auth_base'] });
      });
    },
    request(options) {
      my.requests.push(options);
      setImmediate(async () => {
        if (script.offline) {
          options.fail({ error: 12, errorMessage: '网络出错' });
          return;
        }
        // The fake server reads wx's shape: `header` in, `statusCode` out.
        const req = Object.assign({}, options, { header: options.headers });
        const answer = await server.handle(req);
        const text = typeof answer.data === 'string' ? answer.data : JSON.stringify(answer.data);
        const res = {
          status: answer.statusCode,
          headers: answer.header || {},
          data: options.dataType === 'text' ? text : answer.data,
        };
        if (answer.statusCode >= 200 && answer.statusCode < 300) options.success(res);
        else options.fail(Object.assign({ error: 19, errorMessage: 'http status error' }, res));
      });
    },
    getStorageSync({ key }) {
      return { data: storage.has(key) ? storage.get(key) : null };
    },
    setStorageSync({ key, data }) {
      storage.set(key, JSON.parse(JSON.stringify(data)));
    },
    removeStorageSync({ key }) {
      storage.delete(key);
    },
    /** The requests sent to `path` (relative to the test base URL). */
    sent(path) {
      return my.requests.filter((req) => req.url === BASE + path);
    },
  };
  return my;
}

/** A fakeServer whose login route for `provider` issues `<provider>-1`, `<provider>-2`, … */
function serverFor(provider) {
  const server = fakeServer();
  const wechat = server.handle;
  server.handle = (req) =>
    wechat(Object.assign({}, req, { url: req.url.replace(`/auth/${provider}/`, '/auth/wechat/') }));
  return server;
}

// -- each platform's own call ---------------------------------------------------------------

for (const [provider, global] of [['qq', 'qq'], ['douyin', 'tt'], ['kuaishou', 'ks']]) {
  test(`${provider}: ${global}.login() gives the code, posted on its route`, async () => {
    const server = serverFor(provider);
    const api = fakeApi({ handle: server.handle });
    await withGlobal(global, api, async () => {
      const client = createClient({ baseURL: BASE, provider });
      assert.equal((await client.login()).sessionId, 'sess-1');
      assert.deepEqual(api.sent(`/v1/auth/${provider}/login`).map((r) => r.data), [
        { code: 'code-1' },
      ]);
      assert.equal((await client.request({ url: '/v1/me' })).statusCode, 200);
    });
  });
}

test('baidu: swan.getLoginCode() gives the code; the old swan.login is never used', async () => {
  const server = serverFor('baidu');
  const swan = fakeApi({ handle: server.handle });
  swan.getLoginCode = swan.login;
  swan.login = () => assert.fail('swan.login must not be called');
  await withGlobal('swan', swan, async () => {
    const client = createClient({ baseURL: BASE, provider: 'baidu' });
    await client.login();
    assert.deepEqual(swan.sent('/v1/auth/baidu/login').map((r) => r.data), [{ code: 'code-1' }]);
    assert.deepEqual(await client.reauth(), { provider: 'baidu', code: 'code-2' });
  });
});

test('alipay: my.getAuthCode({scopes: auth_base}) gives authCode, posted as the code', async () => {
  const server = serverFor('alipay');
  const my = fakeMy(server);
  await withGlobal('my', my, async () => {
    const client = createClient({ baseURL: BASE, provider: 'alipay' });
    const session = await client.login();
    assert.equal(session.sessionId, 'sess-1');
    assert.equal(my.authCalls.length, 1);
    assert.equal(my.authCalls[0].scopes, 'auth_base');
    const [login] = my.sent('/v1/auth/alipay/login');
    assert.deepEqual(login.data, { code: 'auth-1' });
    assert.equal(login.method, 'POST');
    assert.equal(login.headers['content-type'], 'application/json');
    assert.equal(login.header, undefined); // Alipay reads `headers`
    // Stored through my.setStorageSync({key, data}), read back through getStorageSync({key}).
    assert.equal(my.storage.get('wxsession').sessionId, 'sess-1');
    assert.equal(client.session().sessionId, 'sess-1');
  });
});

test('alipay: the session goes in `headers`; the answer comes back parsed', async () => {
  const server = serverFor('alipay');
  const my = fakeMy(server);
  await withGlobal('my', my, async () => {
    const client = createClient({ baseURL: BASE, provider: 'alipay' });
    const res = await client.request({ url: '/v1/me', header: { 'X-Trace': 't1' } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.data, { path: '/v1/me', token: 'sess-1' }); // parsed from the text
    const [sent] = my.sent('/v1/me');
    assert.equal(sent.headers.Authorization, 'Bearer sess-1');
    assert.equal(sent.headers['X-Trace'], 't1');
    assert.equal(sent.dataType, 'text'); // parsed by the SDK, so an empty 204 is no error
  });
});

test('alipay: a 401 (fail with error 19) is an answer: one re-login, one retry', async () => {
  const server = serverFor('alipay');
  const my = fakeMy(server);
  await withGlobal('my', my, async () => {
    const client = createClient({ baseURL: BASE, provider: 'alipay' });
    await client.login();
    server.live.clear(); // every session expires on the server
    const results = await Promise.all(
      Array.from({ length: 5 }, () => client.request({ url: '/v1/me' }))
    );
    assert.deepEqual(results.map((r) => r.statusCode), [200, 200, 200, 200, 200]);
    assert.equal(my.authCalls.length, 2); // the first login and one shared re-login
    assert.equal(my.sent('/v1/auth/alipay/login').length, 2);
    assert.equal(client.session().sessionId, 'sess-2');
  });
});

test('alipay: another refusal (fail with error 19) comes back as the answer, parsed', async () => {
  const server = serverFor('alipay');
  server.handle = ((handle) => (req) =>
    req.url === `${BASE}/v1/teapot` ? error(418, 'TEAPOT') : handle(req))(server.handle);
  const my = fakeMy(server);
  await withGlobal('my', my, async () => {
    const client = createClient({ baseURL: BASE, provider: 'alipay' });
    const res = await client.request({ url: '/v1/teapot' });
    assert.equal(res.statusCode, 418);
    assert.equal(res.data.error.code, 'TEAPOT');
    assert.equal(my.authCalls.length, 1); // not a session failure: no re-login
  });
});

test('alipay: logout posts the session and takes the empty 204 body', async () => {
  const server = serverFor('alipay');
  const my = fakeMy(server);
  await withGlobal('my', my, async () => {
    const client = createClient({ baseURL: BASE, provider: 'alipay' });
    const { sessionId } = await client.login();
    await client.logout();
    assert.equal(server.live.has(sessionId), false);
    assert.deepEqual(my.storage.get('wxsession'), { loggedOut: true });
    await assert.rejects(client.request({ url: '/v1/me' }), { code: 'NOT_LOGGED_IN' });
  });
});

test('alipay: the own `my` passed as api is put in wx shape too', async () => {
  const server = serverFor('alipay');
  const my = fakeMy(server);
  await withGlobal('my', my, async () => {
    const client = createClient({ baseURL: BASE, provider: 'alipay', api: my });
    assert.equal((await client.request({ url: '/v1/me' })).statusCode, 200);
    assert.equal(my.sent('/v1/me')[0].headers.Authorization, 'Bearer sess-1');
  });
});

test('alipay: getAuthCode failing or giving no code is WX_LOGIN_FAILED, then backoff', async () => {
  for (const script of [{ authFails: true }, { noCode: true }]) {
    const server = serverFor('alipay');
    const my = fakeMy(server, script);
    await withGlobal('my', my, async () => {
      const client = createClient({ baseURL: BASE, provider: 'alipay' });
      await assert.rejects(client.login(), (err) => {
        assert.equal(err.name, 'WxSessionError');
        assert.equal(err.code, 'WX_LOGIN_FAILED');
        const expected = script.authFails ? '用户取消授权' : 'login gave no code';
        assert.equal(err.message, expected);
        assert.ok(err.cause);
        return true;
      });
      await assert.rejects(client.request({ url: '/v1/me' }), { code: 'LOGIN_BACKOFF' });
      assert.equal(my.authCalls.length, 1);
      assert.equal(my.requests.length, 0); // nothing posted without a code
    });
  }
});

test('alipay: no answer at all (fail without a status) is NETWORK_ERROR', async () => {
  const server = serverFor('alipay');
  const my = fakeMy(server, { offline: true });
  await withGlobal('my', my, async () => {
    const client = createClient({ baseURL: BASE, provider: 'alipay' });
    await assert.rejects(client.login(), { code: 'NETWORK_ERROR', message: '网络出错' });
  });
});

test('an api without the platform login call is refused when the client is made', () => {
  const api = fakeApi({ handle: () => loginAnswer('x') }); // wx-shaped: no getAuthCode
  assert.throws(
    () => createClient({ baseURL: BASE, provider: 'alipay', api }),
    /has no `getAuthCode` method/
  );
  assert.throws(
    () => createClient({ baseURL: BASE, provider: 'baidu', api }),
    /has no `getLoginCode` method/
  );
  assert.throws(() => createClient({ baseURL: BASE, provider: 'kuaishou' }), /global `ks`/);
});

// -- uni-app ---------------------------------------------------------------------------------

const UNI_NAMES = {
  wechat: 'weixin',
  qq: 'qq',
  douyin: 'toutiao',
  alipay: 'alipay',
  baidu: 'baidu',
  kuaishou: 'kuaishou',
};

for (const [provider, uniName] of Object.entries(UNI_NAMES)) {
  test(`uni-app, ${provider}: uni.login({provider: '${uniName}'}) gives the code`, async () => {
    const server = serverFor(provider);
    const uni = fakeApi({ handle: server.handle });
    const asked = [];
    const login = uni.login;
    uni.login = (options) => {
      asked.push(Object.assign({}, options, { success: undefined, fail: undefined }));
      return login(options);
    };
    uni.getProvider = () => assert.fail('the SDK only recognises uni.getProvider, never calls it');
    const client = createClient({ baseURL: BASE, provider, api: uni });
    await client.login();
    const expected = provider === 'alipay' ? { scopes: 'auth_base' } : {};
    assert.deepEqual(asked, [
      Object.assign({ provider: uniName }, expected, { success: undefined, fail: undefined }),
    ]);
    assert.deepEqual(uni.sent(`/v1/auth/${provider}/login`).map((r) => r.data), [
      { code: 'code-1' },
    ]);
  });
}

test('uni-app: a failing uni.login keeps the error contract (WX_LOGIN_FAILED)', async () => {
  const uni = fakeApi({ handle: () => loginAnswer('x'), loginFails: () => true });
  uni.getProvider = () => {};
  const client = createClient({ baseURL: BASE, provider: 'baidu', api: uni });
  await assert.rejects(client.login(), { code: 'WX_LOGIN_FAILED', message: 'login:fail' });
});

// -- appid -----------------------------------------------------------------------------------

test('appid goes into every login body (retries too), never into the reauth proof', async () => {
  let refusals = 1;
  const server = fakeServer({
    '/v1/auth/wechat/login': () => (refusals-- > 0 ? error(401, 'WECHAT_CODE_USED') : undefined),
  });
  const api = fakeApi({ handle: server.handle });
  const client = createClient({ baseURL: BASE, api, appid: 'wx0123456789abcdef' });
  await client.login();
  assert.deepEqual(api.sent('/v1/auth/wechat/login').map((r) => r.data), [
    { code: 'code-1', appid: 'wx0123456789abcdef' },
    { code: 'code-2', appid: 'wx0123456789abcdef' },
  ]);
  // The server checks a proof against the session's own app: the proof names no app.
  assert.deepEqual(await client.reauth(), { provider: 'wechat', code: 'code-3' });
});

test('appid is sent on the other platforms too; without it the body is the code', async () => {
  const server = serverFor('alipay');
  const my = fakeMy(server);
  await withGlobal('my', my, async () => {
    await createClient({ baseURL: BASE, provider: 'alipay', appid: '2021000000000001' }).login();
    await createClient({ baseURL: BASE, provider: 'alipay', storageKey: 'other' }).login();
    assert.deepEqual(my.sent('/v1/auth/alipay/login').map((r) => r.data), [
      { code: 'auth-1', appid: '2021000000000001' },
      { code: 'auth-2' },
    ]);
  });
});

test('an appid that is not a non-empty string is refused when the client is made', () => {
  for (const appid of ['', 42, null, {}]) {
    assert.throws(
      () => createClient({ baseURL: BASE, api: fakeApi({}), appid }),
      /appid must be a non-empty string/
    );
  }
});
