// The SDK comes in as an npm package (package.json: file:../../clients/miniprogram); after
// `npm install`, DevTools' Tools → Build npm puts it in miniprogram_npm/ where require finds it.
const { createClient } = require('wxsession-miniprogram');
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
