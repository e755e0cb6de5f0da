// The SDK is copied in (libs/wxsession.js is clients/miniprogram/index.js, kept identical by
// clients/miniprogram/test/example.test.js): DevTools cannot require files outside the project.
const { createClient } = require('./libs/wxsession');
const config = require('./config');

/**
 * `wx`, except that login asks the dev server's emulator for a code (dev mode only).
 * Any object with login/request/storage methods can be the SDK's `api`.
 */
function devEmulatorApi(baseURL, user) {
  return {
    login({ success, fail }) {
      wx.request({
        url: `${baseURL}/_emulator/login`,
        method: 'POST',
        data: { user },
        success: (res) =>
          res.statusCode === 200
            ? success({ code: res.data.code })
            : fail({ errMsg: `emulator login: HTTP ${res.statusCode}` }),
        fail,
      });
    },
    request: (options) => wx.request(options),
    getStorageSync: (key) => wx.getStorageSync(key),
    setStorageSync: (key, value) => wx.setStorageSync(key, value),
    removeStorageSync: (key) => wx.removeStorageSync(key),
  };
}

App({
  client: createClient({
    baseURL: config.baseURL,
    api: config.devEmulator ? devEmulatorApi(config.baseURL, config.devUser) : wx,
  }),
});
