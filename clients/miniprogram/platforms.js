'use strict';
/**
 * The mini-program platforms the SDK signs in on: each runtime's global object, the call that
 * hands out a login code, and uni-app's provider name for it. index.js speaks `wx`'s shape
 * (`request` with `header` and `statusCode`, storage by key); this module is where the other
 * runtimes' own shapes are met.
 *
 * Sources of the shapes (checked 2026-12):
 * - WeChat `wx.login`, QQ `qq.login`, Douyin `tt.login`, Kuaishou `ks.login`: `success({code})`.
 * - Alipay `my.getAuthCode({scopes})`: `success({authCode})`; `auth_base` is the silent scope
 *   (user id only, no dialog).
 *   https://miniprogram.alipay.com/docs/miniprogram/mpdev/api_openapi_getauthcode
 *   Alipay's `fail` says `{error, errorMessage}` (uni-app's mp-alipay protocols read those).
 * - Baidu `swan.getLoginCode`: `success({code})`; `swan.login` is the older call, which can
 *   ask the user to sign in to Baidu first (uni-app's mp-baidu maps `login` to `getLoginCode`).
 * - uni-app: `uni.login({provider})` runs the platform's own call and answers `{code}` (on
 *   Alipay it calls `my.getAuthCode` and renames `authCode`); its oauth provider names are
 *   `weixin`, `qq`, `toutiao`, `alipay`, `baidu`, `kuaishou` (`uni.getProvider`, from the
 *   uni-mp-* packages' shims). https://uniapp.dcloud.net.cn/api/plugins/login
 * - Alipay `my.request` takes `headers` and answers `{status, headers, data}`; error 19 is
 *   "HTTP error" (a status outside 2xx), whose `fail` result carries the same fields.
 *   `my.getStorageSync({key})` answers `{data}`; `my.setStorageSync({key, data})`.
 *   https://www.alibabacloud.com/help/en/mobile-platform-as-a-service/latest/network
 */

/**
 * Provider name → the runtime's global (`global`), its login-code call (`call`, with `args`),
 * the field of the answer holding the code (`field`) and uni-app's name (`uni`). Provider
 * names are the server's (`/v1/auth/<provider>/login`) and never change.
 */
const PLATFORMS = {
  wechat: { global: 'wx', call: 'login', field: 'code', uni: 'weixin' },
  qq: { global: 'qq', call: 'login', field: 'code', uni: 'qq' },
  douyin: { global: 'tt', call: 'login', field: 'code', uni: 'toutiao' },
  alipay: {
    global: 'my',
    call: 'getAuthCode',
    args: { scopes: 'auth_base' },
    field: 'authCode',
    uni: 'alipay',
  },
  baidu: { global: 'swan', call: 'getLoginCode', field: 'code', uni: 'baidu' },
  kuaishou: { global: 'ks', call: 'login', field: 'code', uni: 'kuaishou' },
};

/** Alipay's `fail` code for an answer whose HTTP status is not 2xx (it is still an answer). */
const ALIPAY_HTTP_ERROR = 19;

/**
 * The provider's global platform object, if this runtime defines it. Named as free
 * variables, not looked up on `globalThis`: mini-program runtimes inject them into module
 * scope, where `globalThis` may not see them.
 */
function platformGlobal(provider) {
  /* eslint-disable no-undef */
  switch (provider) {
    case 'qq':
      return typeof qq !== 'undefined' ? qq : undefined;
    case 'douyin':
      return typeof tt !== 'undefined' ? tt : undefined;
    case 'alipay':
      return typeof my !== 'undefined' ? my : undefined;
    case 'baidu':
      return typeof swan !== 'undefined' ? swan : undefined;
    case 'kuaishou':
      return typeof ks !== 'undefined' ? ks : undefined;
    default:
      return typeof wx !== 'undefined' ? wx : undefined;
  }
  /* eslint-enable no-undef */
}

/**
 * uni-app's `uni`, recognised by `uni.getProvider` (which no platform's own object has): its
 * `uni.login` needs the provider named and answers `{code}` on every platform.
 */
function isUniApp(api) {
  return typeof api.getProvider === 'function';
}

/** The method of `api` that hands out a login code for `provider`. */
function codeCallOf(api, provider) {
  return isUniApp(api) ? 'login' : PLATFORMS[provider].call;
}

/** What a platform's `fail` said: `errMsg` on most, `errorMessage` on Alipay. */
function failMessage(err, fallback) {
  return (err && (err.errMsg || err.errorMessage)) || fallback;
}

/**
 * Ask `api` for a fresh login code. `rejected(message, cause)` makes the error for a `fail`
 * or an answer without a code, so index.js keeps one error contract for every platform.
 */
function loginCode(api, provider, rejected) {
  const platform = PLATFORMS[provider];
  const uni = isUniApp(api);
  const field = uni ? 'code' : platform.field;
  const args = Object.assign(uni ? { provider: platform.uni } : {}, platform.args);
  return new Promise((resolve, reject) => {
    api[codeCallOf(api, provider)](
      Object.assign(args, {
        success: (res) =>
          res && res[field]
            ? resolve(res[field])
            : reject(rejected('login gave no code', res)),
        fail: (err) => reject(rejected(failMessage(err, 'login failed'), err)),
      })
    );
  });
}

/** wx.request's `dataType: 'json'`: parse the body if it is JSON, else keep the text. */
function jsonOrText(data) {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data);
  } catch (_) {
    return data;
  }
}

/**
 * Alipay's own `my` in `wx`'s shape, for index.js. The body is fetched as text and parsed
 * here, as wx.request does, so an empty 204 (logout) is not a decoding failure; a non-2xx
 * answer (`fail` with error 19) is an answer, so 401 recovery works as on WeChat.
 */
function alipayApi(my) {
  const answer = (res) => ({
    statusCode: res.status,
    data: jsonOrText(res.data),
    header: res.headers || {},
  });
  return {
    getAuthCode: (options) => my.getAuthCode(options),
    request(options) {
      const sent = Object.assign({}, options, { headers: options.header, dataType: 'text' });
      delete sent.header;
      sent.success = (res) => options.success(answer(res));
      sent.fail = (err) =>
        err && err.error === ALIPAY_HTTP_ERROR && typeof err.status === 'number'
          ? options.success(answer(err))
          : options.fail(err);
      return my.request(sent);
    },
    getStorageSync(key) {
      const stored = my.getStorageSync({ key });
      return stored && stored.data !== undefined && stored.data !== null ? stored.data : '';
    },
    setStorageSync: (key, data) => my.setStorageSync({ key, data }),
    removeStorageSync: (key) => my.removeStorageSync({ key }),
  };
}

/**
 * The `api` to use for `provider`: the one given, or the runtime's own global (Alipay's put in
 * `wx`'s shape). Alipay's own `my` is adapted when passed explicitly too.
 */
function resolveApi(provider, given) {
  const native = platformGlobal(provider);
  const api = given || native;
  return provider === 'alipay' && api && api === native ? alipayApi(api) : api;
}

module.exports = { PLATFORMS, resolveApi, loginCode, codeCallOf, failMessage, alipayApi };
