'use strict';
// End-to-end: the SDK on each mini-program platform against a real `wxsession serve` in dev
// mode (every platform offered with its dev app, the emulator on the same port), over real
// HTTP. tests/system/test_miniprogram_sdk.py starts it and sets WXSESSION_DEV_URL; run
// alone (plain `node --test`), this file skips itself.
const test = require('node:test');
const assert = require('node:assert/strict');

const { createClient } = require('..');
const { platformGlobal, fetchRequest, postJSON } = require('./http-api');

const { WXSESSION_DEV_URL } = process.env;
const skip = WXSESSION_DEV_URL ? false : 'needs WXSESSION_DEV_URL (see pytest)';

/** Provider → the runtime's global (platforms.js). */
const GLOBALS = { qq: 'qq', douyin: 'tt', alipay: 'my', baidu: 'swan', kuaishou: 'ks' };
/** Provider → uni-app's name for it. */
const UNI_NAMES = {
  qq: 'qq',
  douyin: 'toutiao',
  alipay: 'alipay',
  baidu: 'baidu',
  kuaishou: 'kuaishou',
};

/** Run `body` with `value` as the runtime's global `name`, as the mini program has it. */
async function withGlobal(name, value, body) {
  globalThis[name] = value;
  try {
    return await body();
  } finally {
    delete globalThis[name];
  }
}

async function me(sessionId) {
  return fetch(`${WXSESSION_DEV_URL}/v1/me`, { headers: { Authorization: `Bearer ${sessionId}` } });
}

for (const [provider, name] of Object.entries(GLOBALS)) {
  test(`${provider}: the SDK signs in with ${name}'s own call, and recovers a lost session`, {
    skip,
  }, async () => {
    const own = platformGlobal(provider, `e2e-${provider}`, { devURL: WXSESSION_DEV_URL });
    await withGlobal(name, own, async () => {
      const client = createClient({ baseURL: WXSESSION_DEV_URL, provider });
      const first = await client.login();
      assert.equal(first.registered, true);
      const mine = await client.request({ url: '/v1/me/identities' });
      assert.equal(mine.statusCode, 200);
      assert.deepEqual(mine.data.identities.map((i) => i.provider), [provider]);

      // The server ends the session behind the client's back: one re-login, one retry.
      const ended = await fetch(`${WXSESSION_DEV_URL}/v1/auth/logout`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${first.sessionId}` },
      });
      assert.equal(ended.status, 204);
      const again = await client.request({ url: '/v1/me' });
      assert.equal(again.statusCode, 200);
      assert.equal(again.data.id, first.user.id); // the same user, a new session
      assert.deepEqual(own.errors, ['SESSION_INVALID']);
      assert.equal(own.codes, 2);

      const last = client.session().sessionId;
      await client.logout();
      assert.equal(client.session(), null);
      assert.equal((await me(last)).status, 401);
    });
  });
}

/**
 * uni-app's `uni` over real HTTP: `uni.login({provider})` asks the emulator for a code of
 * the platform that uni-app name stands for; `getProvider` is what marks it as uni-app.
 */
function uniOver(provider, user) {
  const storage = new Map();
  const uni = {
    asked: [],
    getProvider: () => {},
    login(options) {
      uni.asked.push(options.provider);
      postJSON(`${WXSESSION_DEV_URL}/_emulator/login`, { user, platform: provider }).then(
        ({ code }) => options.success({ code, errMsg: 'login:ok' }),
        (err) => options.fail({ errMsg: `login:fail ${err.message}` })
      );
    },
    request: (options) => fetchRequest(options),
    getStorageSync: (key) => (storage.has(key) ? storage.get(key) : ''),
    setStorageSync: (key, value) => storage.set(key, value),
    removeStorageSync: (key) => storage.delete(key),
  };
  return uni;
}

for (const [provider, uniName] of Object.entries(UNI_NAMES)) {
  test(`${provider} under uni-app: uni.login({provider: '${uniName}'})`, { skip }, async () => {
    const uni = uniOver(provider, `e2e-uni-${provider}`);
    const client = createClient({ baseURL: WXSESSION_DEV_URL, provider, api: uni });
    const res = await client.request({ url: '/v1/me/identities' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.data.identities.map((i) => i.provider), [provider]);
    assert.deepEqual(uni.asked, [uniName]);
  });
}
