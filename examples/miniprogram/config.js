// Where the wxsession server is. Add its domain to the request domain whitelist
// (request 合法域名) in the WeChat admin console; while developing, tick "Does not verify valid domain names"
// (不校验合法域名) in DevTools to use http://127.0.0.1:8000.
module.exports = {
  baseURL: 'http://127.0.0.1:8000',
  // true while `wxsession serve` runs in dev mode (no WXSESSION_APPID/SECRET): codes come from
  // the server's built-in WeChat emulator instead of wx.login(), whose real codes it cannot know.
  // Set false in production, where the server talks to the real WeChat.
  devEmulator: true,
  devUser: 'devtools-user',
};
