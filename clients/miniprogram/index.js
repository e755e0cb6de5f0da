'use strict';
/**
 * wxsession-miniprogram: the mini-program half of wxsession.
 *
 * Keeps the session id in storage, sends it with every request, and recovers when the
 * server says the session is missing, invalid or expired: one shared login, one retry,
 * never a loop. No runtime dependencies; works with `wx`, `uni` or `Taro` passed as `api`,
 * and with QQ (`qq.login`) and Douyin (`tt.login`) mini programs through `provider`.
 * Changes of how the account signs in carry fresh proof of it (`reauth`): the SDK supplies a
 * fresh platform code, which needs no user interaction.
 */

/** 401 codes after which a fresh login can help (shared verbatim with the server). */
const SESSION_CODES = ['SESSION_MISSING', 'SESSION_INVALID', 'SESSION_EXPIRED'];
/** Login answers after which a fresh login code can help (QQ and Douyin say PROVIDER_…). */
const CODE_CODES = ['WECHAT_CODE_USED', 'WECHAT_CODE_INVALID', 'PROVIDER_CODE_INVALID'];
/** The platform object each mini-program provider's runtime defines globally. */
const PLATFORM_GLOBALS = { wechat: 'wx', qq: 'qq', douyin: 'tt' };
const JSON_HEADER = { 'content-type': 'application/json' };
/** Refresh the stored expiry estimate at most this often (ms), not on every request. */
const EXPIRY_WRITE_INTERVAL = 60 * 1000;

/**
 * An Error carrying the server's error code (or NETWORK_ERROR / WX_LOGIN_FAILED).
 * @param {string} code
 * @param {string} message
 * @param {{statusCode?: number, data?: any, retryAfter?: number, cause?: any}} [extra]
 */
function sdkError(code, message, extra) {
  const error = new Error(message);
  error.name = 'WxSessionError';
  error.code = code;
  if (extra) {
    if (extra.statusCode !== undefined) error.statusCode = extra.statusCode;
    if (extra.data !== undefined) error.data = extra.data;
    if (extra.retryAfter !== undefined) error.retryAfter = extra.retryAfter;
    if (extra.cause !== undefined) error.cause = extra.cause;
  }
  return error;
}

/** A response body as an object (wx.request parses JSON; some adapters hand back text). */
function parse(data) {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data);
  } catch (_) {
    return undefined;
  }
}

/** The `{error: {code}}` of a wxsession answer, or undefined. */
function errorCode(data) {
  const body = parse(data);
  return body && body.error && typeof body.error.code === 'string' ? body.error.code : undefined;
}

/** The answer's `Retry-After` in whole seconds (header names vary in case), or undefined. */
function retryAfterOf(header) {
  const name = Object.keys(header || {}).find((key) => key.toLowerCase() === 'retry-after');
  const value = name === undefined ? '' : String(header[name]).trim();
  return /^\d+$/.test(value) ? Number(value) : undefined;
}

function errorFromResponse(response, fallback) {
  const code = errorCode(response.data) || fallback;
  const parsed = parse(response.data);
  const body = parsed && parsed.error;
  const message = (body && body.message) || `HTTP ${response.statusCode}`;
  return sdkError(code, message, {
    statusCode: response.statusCode,
    data: response.data,
    retryAfter: retryAfterOf(response.header),
  });
}

/** `promise.finally(done)`, which older mini-program base libraries lack. */
function settle(promise, done) {
  return promise.then(
    (value) => {
      done();
      return value;
    },
    (error) => {
      done();
      throw error;
    }
  );
}

/**
 * The provider's global platform object, if this runtime defines it. Named as free
 * variables, not looked up on `globalThis`: mini-program runtimes inject them into module
 * scope, where `globalThis` may not see them.
 */
function platformGlobal(provider) {
  /* eslint-disable no-undef */
  if (provider === 'qq') return typeof qq !== 'undefined' ? qq : undefined;
  if (provider === 'douyin') return typeof tt !== 'undefined' ? tt : undefined;
  return typeof wx !== 'undefined' ? wx : undefined;
  /* eslint-enable no-undef */
}

function isSessionFailure(response) {
  return response.statusCode === 401 && SESSION_CODES.includes(errorCode(response.data));
}

/**
 * Create a client bound to one wxsession server.
 * @param {import('./index').ClientOptions} options
 * @returns {import('./index').Client}
 */
function createClient(options) {
  const opts = options || {};
  const baseURL = String(opts.baseURL || '').replace(/\/+$/, '');
  const provider = opts.provider || 'wechat';
  if (!Object.prototype.hasOwnProperty.call(PLATFORM_GLOBALS, provider)) {
    throw new TypeError(`createClient: provider must be one of ${Object.keys(PLATFORM_GLOBALS)}`);
  }
  const api = opts.api || platformGlobal(provider);
  const storageKey = opts.storageKey || 'wxsession';
  const headerName = opts.header || 'Authorization';
  const loginPath = opts.loginPath || `/v1/auth/${provider}/login`;
  const logoutPath = opts.logoutPath || '/v1/auth/logout';
  const registerPath = opts.registerPath || '/v1/auth/register';
  const checkSession = Boolean(opts.checkSession);
  const now = opts.now || Date.now;
  if (!baseURL) throw new TypeError('createClient: baseURL is required');
  if (!api) {
    const name = PLATFORM_GLOBALS[provider];
    throw new TypeError(`createClient: no \`api\` given and no global \`${name}\``);
  }

  /** The login in flight, shared by every caller that needs one (single flight). */
  let inflight = null;
  /** Session id that wx.checkSession already vouched for in this client's lifetime. */
  let checkedId = null;
  /** The wx.checkSession call in flight, shared like the login. */
  let checking = null;

  // -- storage ----------------------------------------------------------------------------

  function read() {
    let stored;
    try {
      stored = api.getStorageSync(storageKey);
    } catch (_) {
      return null;
    }
    return stored && typeof stored.sessionId === 'string' ? stored : null;
  }

  function write(stored) {
    api.setStorageSync(storageKey, stored);
  }

  function clear() {
    try {
      api.removeStorageSync(storageKey);
    } catch (_) {
      // Nothing stored, or storage is unavailable: either way nothing to drop.
    }
  }

  /** The stored session, or null when there is none or its idle timeout has surely passed. */
  function live() {
    const stored = read();
    if (stored && typeof stored.expiresAt === 'number' && now() >= stored.expiresAt) {
      clear(); // idle past the server's timeout: a login is needed anyway
      return null;
    }
    return stored;
  }

  /** A successful call slid the server's idle timeout: move our estimate along. */
  function slide(used) {
    const stored = read();
    if (!stored || stored.sessionId !== used || typeof stored.expiresIn !== 'number') return;
    const expiresAt = now() + stored.expiresIn * 1000;
    if (expiresAt - (stored.expiresAt || 0) >= EXPIRY_WRITE_INTERVAL) {
      write(Object.assign({}, stored, { expiresAt }));
    }
  }

  // -- transport --------------------------------------------------------------------------

  function authHeader(sessionId) {
    if (!sessionId) return {};
    const value = headerName.toLowerCase() === 'authorization' ? `Bearer ${sessionId}` : sessionId;
    return { [headerName]: value };
  }

  /** One api.request call as a promise: resolves for any HTTP status, rejects NETWORK_ERROR. */
  function send(request, sessionId) {
    const url = request.url || '';
    if (/^[a-z][a-z0-9+.-]*:/i.test(url)) {
      // An absolute URL could send the session to another host.
      return Promise.reject(new TypeError('request: url must be relative to baseURL'));
    }
    return new Promise((resolve, reject) => {
      api.request(
        Object.assign({}, request, {
          url: baseURL + (url.startsWith('/') ? url : `/${url}`),
          header: Object.assign({}, request.header, authHeader(sessionId)),
          success: (res) =>
            resolve({ statusCode: res.statusCode, data: res.data, header: res.header || {} }),
          fail: (err) =>
            reject(
              sdkError('NETWORK_ERROR', (err && err.errMsg) || 'request failed', { cause: err })
            ),
        })
      );
    });
  }

  function wxCode() {
    return new Promise((resolve, reject) => {
      api.login({
        success: (res) =>
          res && res.code
            ? resolve(res.code)
            : reject(sdkError('WX_LOGIN_FAILED', 'login gave no code', { cause: res })),
        fail: (err) =>
          reject(
            sdkError('WX_LOGIN_FAILED', (err && err.errMsg) || 'login failed', { cause: err })
          ),
      });
    });
  }

  function wxCheckSession() {
    if (typeof api.checkSession !== 'function') return Promise.resolve(true);
    return new Promise((resolve) => {
      api.checkSession({ success: () => resolve(true), fail: () => resolve(false) });
    });
  }

  // -- login ------------------------------------------------------------------------------

  /** Store what a login or registration answered; returns the public session object. */
  function adopt(data) {
    const expiresIn = typeof data.expires_in === 'number' ? data.expires_in : undefined;
    const stored = {
      sessionId: data.session_id,
      expiresAt: expiresIn === undefined ? undefined : now() + expiresIn * 1000,
      expiresIn,
      registered: data.registered !== false,
    };
    write(stored);
    checkedId = stored.sessionId; // a fresh login brings a fresh WeChat session_key
    return Object.assign({}, stored, { user: data.user || null });
  }

  /** wx.login, POST the code (one retry with a fresh code), store the session. */
  async function loginOnce(previous) {
    for (let attempt = 1; ; attempt += 1) {
      const code = await wxCode();
      // Presenting the old session lets the server end it once the new one exists.
      const response = await send(
        { url: loginPath, method: 'POST', data: { code }, header: JSON_HEADER },
        previous
      );
      const data = parse(response.data);
      if (response.statusCode >= 200 && response.statusCode < 300 && data) {
        if (typeof data.session_id === 'string') return adopt(data);
      }
      const retriable = attempt === 1 && CODE_CODES.includes(errorCode(response.data));
      if (!retriable) throw errorFromResponse(response, 'LOGIN_FAILED');
    }
  }

  /**
   * Log in now; callers arriving while a login runs share it. The session being replaced
   * (`previous`, else the stored one) goes with the login so the server ends it.
   */
  function startLogin(previous) {
    if (!inflight) {
      const stored = read();
      inflight = settle(loginOnce(previous || (stored && stored.sessionId)), () => {
        inflight = null;
      });
    }
    return inflight;
  }

  function login() {
    return startLogin();
  }

  /** The session id to send: the stored one (checked once if asked), or a new login's. */
  async function ensureSession() {
    if (inflight) return (await inflight).sessionId;
    const stored = live();
    if (!stored) return (await login()).sessionId;
    if (checkSession && checkedId !== stored.sessionId) {
      if (!checking) {
        checking = settle(wxCheckSession(), () => {
          checking = null;
        });
      }
      // WeChat's session_key behind this session lapsed: the server should get a fresh one.
      if (!(await checking)) return renew(stored.sessionId);
      checkedId = stored.sessionId;
    }
    return stored.sessionId;
  }

  /** After a session failure with `stale`: join a login, reuse a newer session, or log in. */
  async function renew(stale) {
    if (inflight) return (await inflight).sessionId;
    const stored = read();
    if (stored && stored.sessionId !== stale) return stored.sessionId;
    clear();
    return (await startLogin(stale)).sessionId;
  }

  // -- re-authentication ------------------------------------------------------------------

  /** A fresh platform code as the server's `reauth` proof of the signed-in account. */
  async function reauth() {
    return { provider, code: await wxCode() };
  }

  /**
   * The request as sent. With `reauth: true`, `data` (an object) gains a fresh proof for
   * each send: a code works once, so a retry after a re-login needs a new one.
   */
  async function prepare(options) {
    if (!options.reauth) return options;
    const data = options.data === undefined ? {} : options.data;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw new TypeError('request: reauth needs data to be an object (or none)');
    }
    const sent = Object.assign({}, options, {
      data: Object.assign({}, data, { reauth: await reauth() }),
      header: Object.assign({}, JSON_HEADER, options.header),
    });
    delete sent.reauth;
    return sent;
  }

  /** A sensitive change answers with a fresh session and ended the one sent: keep it. */
  function adoptFresh(options, response) {
    const data = parse(response.data);
    const fresh = response.statusCode >= 200 && response.statusCode < 300 && data;
    if (options.reauth && fresh && typeof data.session_id === 'string') adopt(data);
  }

  // -- public API -------------------------------------------------------------------------

  async function request(options) {
    const sessionId = await ensureSession();
    let response = await send(await prepare(options), sessionId);
    if (!isSessionFailure(response)) {
      if (response.statusCode < 400) slide(sessionId);
    } else {
      // The server no longer knows this session: one login (shared), one retry, no loop.
      const fresh = await renew(sessionId);
      response = await send(await prepare(options), fresh);
    }
    adoptFresh(options, response);
    return response;
  }

  async function logout() {
    if (inflight) await inflight.catch(() => undefined);
    const stored = read();
    clear();
    checkedId = null;
    if (!stored) return;
    const response = await send({ url: logoutPath, method: 'POST' }, stored.sessionId);
    const gone = response.statusCode < 300 || isSessionFailure(response);
    if (!gone) throw errorFromResponse(response, 'LOGOUT_FAILED');
  }

  async function register(profile) {
    const response = await request({
      url: registerPath,
      method: 'POST',
      data: profile || {},
      header: JSON_HEADER,
    });
    const data = parse(response.data);
    if (response.statusCode >= 200 && response.statusCode < 300 && data && data.session_id) {
      return adopt(data); // registration replaces the pending session with a fresh one
    }
    throw errorFromResponse(response, 'REGISTER_FAILED');
  }

  function session() {
    const stored = live();
    return stored ? Object.assign({}, stored) : null;
  }

  return { login, request, logout, session, register, reauth };
}

module.exports = { createClient, SESSION_CODES };
