'use strict';
// The example mini program's page (examples/miniprogram/pages/index) as WeChat's own tools
// build it: the WXML compiled by wcc (miniprogram-compiler), the component tree run by
// miniprogram-exparser through j-component, loaded with miniprogram-simulate, in jsdom.
// `wx.request` is real HTTP to the `wxsession serve --dev` at WXSESSION_URL, and `wx.login`
// gets its code from that server's emulator (POST /_emulator/login). The test taps the
// page's buttons and reads what the rendered page shows.
//
// miniprogram-simulate defines the global `Component` (and `Behavior`) only: no `Page`,
// `App` nor `getApp`. The page is therefore registered the way WeChat itself lets a page be
// written with `Component()`: its functions become `methods`, and `onLoad` runs once the
// page is attached. `App()` keeps the app object for `getApp()`.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { JSDOM } = require('jsdom');

const { fetchRequest, postJSON } = require('../../../clients/miniprogram/test/http-api');

const SERVER = process.env.WXSESSION_URL;
const EXAMPLE = path.resolve(__dirname, '..', '..', '..', 'examples', 'miniprogram');
const PAGE = path.join(EXAMPLE, 'pages', 'index', 'index');
const BUTTONS = { 'GET /v1/me': '#me', 'Log in again': '#relogin', 'Log out': '#logout' };
const WAIT_MS = 10000;

const dom = new JSDOM('<!doctype html><html><body></body></html>');
for (const name of ['window', 'document']) global[name] = dom.window[name];
for (const name of ['Element', 'Node', 'Event', 'CustomEvent', 'HTMLElement']) {
  global[name] = dom.window[name];
}
const simulate = require('miniprogram-simulate'); // sets the global wx (WeChat's API, mocked)

/** `wx` as the page gets it: WeChat's mocked API, with network, login and storage real. */
function realWx(calls) {
  const storage = new Map();
  Object.assign(global.wx, {
    request(options) {
      const { success, fail } = options;
      const route = `${options.method || 'GET'} ${new URL(options.url).pathname}`;
      fetchRequest({
        ...options,
        success: (res) => {
          calls.push(`${route} ${res.statusCode}`);
          success(res);
        },
        fail,
      });
    },
    login({ success, fail }) {
      calls.push('wx.login');
      postJSON(`${SERVER}/_emulator/login`, { user: 'wx-login-user' }).then(
        ({ code }) => success({ code, errMsg: 'login:ok' }),
        (err) => fail({ errMsg: `login:fail ${err.message}` })
      );
    },
    getStorageSync: (key) => (storage.has(key) ? storage.get(key) : ''),
    setStorageSync: (key, value) => storage.set(key, value),
    removeStorageSync: (key) => storage.delete(key),
  });
  return storage;
}

function registerAppAndPage() {
  let app;
  global.App = (config) => (app = config);
  global.getApp = () => app;
  global.Page = (options) => {
    const methods = {};
    for (const [name, value] of Object.entries(options)) {
      if (typeof value === 'function') methods[name] = value;
    }
    global.Component({
      data: options.data,
      methods,
      lifetimes: {
        attached() {
          if (this.onLoad) this.onLoad({});
        },
      },
    });
  };
}

/** Load app.js afresh with the example's config.js, only `baseURL` (and the given keys) changed. */
function loadApp(configChanges) {
  for (const file of ['config.js', 'app.js']) delete require.cache[path.join(EXAMPLE, file)];
  Object.assign(require(path.join(EXAMPLE, 'config.js')), { baseURL: SERVER }, configChanges);
  require(path.join(EXAMPLE, 'app.js'));
}

async function until(condition, what) {
  const deadline = Date.now() + WAIT_MS;
  while (!condition()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The rendered page: the text it shows, and taps on its buttons by their label. */
function renderPage() {
  const id = simulate.load(PAGE, 'page', { rootPath: EXAMPLE }); // compiler: official (wcc)
  const page = simulate.render(id);
  // Count the page's actions as they end (its run() sets busy back to false, last).
  let finished = 0;
  const instance = page.instance;
  const setData = instance.setData;
  instance.setData = function (patch, callback) {
    if (patch.busy === false) finished += 1;
    return setData.call(this, patch, callback);
  };
  const view = {
    status: () => page.querySelector('.status').dom.textContent.trim(),
    userLine: () => {
      const line = page.querySelector('.user');
      return line ? line.dom.textContent.trim() : null;
    },
    buttonLabels: () => [...page.dom.querySelectorAll('wx-button')].map((b) => b.textContent),
    async settle(count, what) {
      await until(() => finished >= count, what);
    },
    async tap(label) {
      const button = page.querySelector(BUTTONS[label]);
      assert.equal(button.dom.textContent.trim(), label);
      const before = finished;
      button.dispatchEvent('tap');
      await view.settle(before + 1, `"${label}" to finish`);
    },
  };
  page.attach(document.createElement('parent-wrapper')); // runs onLoad: GET /v1/me
  return view;
}

async function me(sessionId) {
  const res = await fetch(`${SERVER}/v1/me`, { headers: { authorization: `Bearer ${sessionId}` } });
  return { status: res.status, body: await res.json() };
}

for (const [title, configChanges, codeFrom] of [
  ['as shipped (devEmulator: true)', {}, 'POST /_emulator/login 200'],
  ['with wx.login (devEmulator: false)', { devEmulator: false }, 'wx.login'],
]) {
  test(`the example page, rendered, against wxsession serve --dev, ${title}`, async () => {
    const calls = [];
    const storage = realWx(calls);
    registerAppAndPage();
    loadApp(configChanges);
    const page = renderPage();
    assert.deepEqual(page.buttonLabels(), Object.keys(BUTTONS));

    // onLoad: GET /v1/me logs in first, then shows the user.
    await page.settle(1, 'the first GET /v1/me');
    assert.equal(page.status(), 'Signed in.');
    const first = storage.get('wxsession').sessionId;
    const user = await me(first);
    assert.equal(user.status, 200);
    assert.match(page.userLine(), new RegExp(`^user ${user.body.id}, since \\d{4}-`));
    assert.deepEqual(calls, [
      codeFrom,
      'POST /v1/auth/wechat/login 200',
      'GET /v1/me 200',
    ]);

    calls.length = 0;
    await page.tap('GET /v1/me');
    assert.equal(page.status(), 'Signed in.');
    assert.match(page.userLine(), new RegExp(`^user ${user.body.id},`));
    assert.deepEqual(calls, ['GET /v1/me 200']); // the stored session, no new login

    calls.length = 0;
    await page.tap('Log in again');
    assert.match(page.status(), /^New session, valid \d+ s when idle\.$/);
    assert.match(page.userLine(), new RegExp(`^user ${user.body.id},`)); // same user
    const second = storage.get('wxsession').sessionId;
    assert.notEqual(second, first);
    assert.equal((await me(second)).status, 200);
    assert.deepEqual(calls, [codeFrom, 'POST /v1/auth/wechat/login 200']);

    calls.length = 0;
    await page.tap('Log out');
    assert.equal(page.status(), 'Logged out: tap "Log in again" to sign in.');
    assert.equal(page.userLine(), null); // wx:if removed the user line
    assert.deepEqual(calls, ['POST /v1/auth/logout 204']);
    const ended = await me(second);
    assert.equal(ended.status, 401);
    assert.equal(ended.body.error.code, 'SESSION_INVALID');

    calls.length = 0;
    await page.tap('GET /v1/me'); // a logout sticks: no silent login
    assert.equal(page.status(), 'GET /v1/me failed: NOT_LOGGED_IN');
    assert.equal(page.userLine(), null);
    assert.deepEqual(calls, []);
  });
}
