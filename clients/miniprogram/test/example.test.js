'use strict';
// The example mini program (examples/miniprogram) runs with the SDK as its npm dependency.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const { fakeApi, loginAnswer } = require('./fake-api');

const SDK = path.join(__dirname, '..', 'index.js');
const EXAMPLE = path.join(__dirname, '..', '..', '..', 'examples', 'miniprogram');

test('the example depends on this SDK package by path', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(EXAMPLE, 'package.json'), 'utf8'));
  const spec = pkg.dependencies['wxsession-miniprogram'];
  assert.equal(path.resolve(EXAMPLE, spec.replace(/^file:/, '')), path.dirname(SDK));
});

/** What `npm install` does for the example: node_modules/wxsession-miniprogram → the SDK. */
function installSdkLink() {
  const link = path.join(EXAMPLE, 'node_modules', 'wxsession-miniprogram');
  if (!fs.existsSync(link)) {
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(path.dirname(SDK), link, 'dir');
  }
}

test('app.json lists pages that exist, with their four files', () => {
  const app = JSON.parse(fs.readFileSync(path.join(EXAMPLE, 'app.json'), 'utf8'));
  for (const page of app.pages) {
    for (const ext of ['js', 'json', 'wxml', 'wxss']) {
      assert.ok(fs.existsSync(path.join(EXAMPLE, `${page}.${ext}`)), `${page}.${ext}`);
    }
  }
  JSON.parse(fs.readFileSync(path.join(EXAMPLE, 'project.config.json'), 'utf8'));
});

test('the example app logs in through the dev emulator and shows the user', async () => {
  const seen = [];
  const wx = fakeApi({
    handle(req) {
      const route = req.url.replace('http://127.0.0.1:8000', '');
      seen.push(`${req.method || 'GET'} ${route}`); // wx.request defaults to GET
      if (route === '/_emulator/login') return { statusCode: 200, data: { code: 'emu-code' } };
      if (route === '/v1/auth/wechat/login') {
        assert.deepEqual(req.data, { code: 'emu-code' });
        return loginAnswer('sess-ex');
      }
      if (route === '/v1/me') return { statusCode: 200, data: { id: 'u1', created_at: 'now' } };
      if (route === '/v1/auth/logout') return { statusCode: 204, data: '' };
      return { statusCode: 404, data: { error: { code: 'NOT_FOUND' } } };
    },
  });
  let app;
  let pageConfig;
  Object.assign(global, {
    wx,
    App: (config) => (app = config),
    Page: (config) => (pageConfig = config),
    getApp: () => app,
  });
  installSdkLink();
  try {
    require(path.join(EXAMPLE, 'app.js'));
    require(path.join(EXAMPLE, 'pages', 'index', 'index.js'));
    await exercise(wx, pageConfig, seen);
  } finally {
    for (const name of ['wx', 'App', 'Page', 'getApp']) delete global[name];
  }
});

async function exercise(wx, pageConfig, seen) {
  const page = Object.assign({}, pageConfig, {
    data: Object.assign({}, pageConfig.data),
    setData(patch) {
      Object.assign(this.data, patch);
    },
  });
  await page.whoAmI();
  assert.equal(page.data.status, 'Signed in.');
  assert.equal(page.data.user.id, 'u1');
  assert.equal(wx.logins, 0); // dev mode: codes come from the emulator, not wx.login
  await page.logout();
  assert.equal(page.data.status, 'Logged out: tap "Log in again" to sign in.');
  assert.deepEqual(seen, [
    'POST /_emulator/login',
    'POST /v1/auth/wechat/login',
    'GET /v1/me',
    'POST /v1/auth/logout',
  ]);
}
