'use strict';
/**
 * wxsession-miniprogram: the mini-program half of wxsession.
 *
 * Keeps the session id in storage, sends it with every request, and recovers when the
 * server says the session is missing, invalid or expired: one shared login, one retry of a
 * request that is safe to send twice, never a loop, and no login storm (failed logins back
 * off). A logout sticks until the app logs in again; redirects are never followed with the
 * session. No runtime dependencies; works with `wx`, `uni` or `Taro` passed as `api`, and
 * with the QQ, Douyin, Alipay, Baidu and Kuaishou mini programs through `provider`
 * (platforms.js: each one's login-code call, and uni-app's `uni.login({provider})`).
 * Changes of how the account signs in carry fresh proof of it (`reauth`): the SDK supplies a
 * fresh platform code, which needs no user interaction. A session the server replaced (a
 * login on another device, one session per user: `SESSION_REPLACED`) is not taken back by a
 * silent login, or two devices would take it from each other forever: the client stops as
 * after logout() and calls the app's `onReplaced`, which decides (ask the user, then login()).
 */

const { PLATFORMS, resolveApi, loginCode, codeCallOf, failMessage } = require('./platforms');
const { accountCalls } = require('./accounts');

/** 401 codes after which a fresh login can help (shared verbatim with the server). */
const SESSION_CODES = ['SESSION_MISSING', 'SESSION_INVALID', 'SESSION_EXPIRED', 'SESSION_REVOKED'];
/** The 401 code of a session ended by a login elsewhere: never answered by a silent login. */
const REPLACED = 'SESSION_REPLACED';
/** Login answers after which a fresh login code can help (other platforms say PROVIDER_…). */
const CODE_CODES = ['WECHAT_CODE_USED', 'WECHAT_CODE_INVALID', 'PROVIDER_CODE_INVALID'];
const JSON_HEADER = { 'content-type': 'application/json' };
/** Refresh the stored expiry estimate at most this often (ms), not on every request. */
const EXPIRY_WRITE_INTERVAL = 60 * 1000;
/**
 * What a session id may look like before it is stored or put in a header: the server's token
 * alphabet (URL-safe base64, and `.` between user id and secret; 43 or 76 characters today),
 * with room to spare. Anything else (empty, CR/LF, a header injection) is refused.
 */
const SESSION_ID_SHAPE = /^[A-Za-z0-9._-]{1,128}$/;
/**
 * Methods sent again after a re-login without asking. The SDK cannot tell a 401 the server
 * sent before the route ran (its session guard) from one a route sent half way (e.g. Flask's
 * lazy `current_user`), so anything else is replayed only with `replay: true`.
 */
const SAFE_METHODS = ['GET', 'HEAD', 'OPTIONS'];
/** After a failed login, wait this long (ms) before the next, doubling up to `max`. */
const LOGIN_BACKOFF = { initial: 1000, max: 60 * 1000 };
/** Request options that are the SDK's own, never passed to `api.request`. */
const SDK_OPTIONS = ['reauth', 'replay'];

/**
 * An Error carrying the server's error code (or one of the SDK's own, e.g. NETWORK_ERROR).
 * @param {string} code
 * @param {string} message
 * @param {{statusCode?: number, data?: any, cause?: any, retryAfter?: number}} [extra]
 */
function sdkError(code, message, extra) {
  const error = new Error(message);
  error.name = 'WxSessionError';
  error.code = code;
  for (const key of ['statusCode', 'data', 'cause', 'retryAfter']) {
    if (extra && extra[key] !== undefined) error[key] = extra[key];
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

function isSessionFailure(response) {
  return response.statusCode === 401 && SESSION_CODES.includes(errorCode(response.data));
}

function isReplaced(response) {
  return response.statusCode === 401 && errorCode(response.data) === REPLACED;
}

/** A 3xx that asks to go elsewhere (304 Not Modified does not). */
function isRedirect(statusCode) {
  return statusCode >= 300 && statusCode < 400 && statusCode !== 304;
}

function isSessionId(value) {
  return typeof value === 'string' && SESSION_ID_SHAPE.test(value);
}

/** May this request be sent again after a re-login? See SAFE_METHODS. */
function isReplayable(options) {
  const method = String(options.method || 'GET').toUpperCase();
  return options.replay === true || SAFE_METHODS.includes(method);
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
  if (!Object.prototype.hasOwnProperty.call(PLATFORMS, provider)) {
    throw new TypeError(`createClient: provider must be one of ${Object.keys(PLATFORMS)}`);
  }
  const appid = opts.appid;
  if (appid !== undefined && (typeof appid !== 'string' || !appid)) {
    throw new TypeError('createClient: appid must be a non-empty string');
  }
  const api = resolveApi(provider, opts.api);
  const storageKey = opts.storageKey || 'wxsession';
  const headerName = opts.header || 'Authorization';
  const loginPath = opts.loginPath || `/v1/auth/${provider}/login`;
  const logoutPath = opts.logoutPath || '/v1/auth/logout';
  const registerPath = opts.registerPath || '/v1/auth/register';
  const checkSession = Boolean(opts.checkSession);
  const now = opts.now || Date.now;
  const backoff = Object.assign({}, LOGIN_BACKOFF, opts.loginBackoff);
  const onReplaced = opts.onReplaced;
  if (onReplaced !== undefined && typeof onReplaced !== 'function') {
    throw new TypeError('createClient: onReplaced must be a function');
  }
  if (!baseURL) throw new TypeError('createClient: baseURL is required');
  if (!api) {
    const name = PLATFORMS[provider].global;
    throw new TypeError(`createClient: no \`api\` given and no global \`${name}\``);
  }
  const codeCall = codeCallOf(api, provider);
  if (typeof api[codeCall] !== 'function') {
    throw new TypeError(`createClient: the \`api\` for ${provider} has no \`${codeCall}\` method`);
  }

  /** The login in flight, shared by every caller that needs one (single flight). */
  let inflight = null;
  /**
   * Bumped by logout(): work started before it (a request in flight, a login it waits for)
   * must neither log in again nor store a session afterwards.
   */
  let generation = 0;
  /** Logged out by the app: no login happens until it calls login() (kept in storage). */
  let loggedOut = hasLogoutMark();
  /** Consecutive failed logins, and the last one's error and time (for the backoff). */
  let failures = 0;
  let lastFailure = null;
  let lastFailureAt = 0;
  /** Session id that wx.checkSession already vouched for in this client's lifetime. */
  let checkedId = null;
  /** The wx.checkSession call in flight, shared like the login. */
  let checking = null;

  // -- storage ----------------------------------------------------------------------------

  function readRaw() {
    try {
      return api.getStorageSync(storageKey);
    } catch (_) {
      return null;
    }
  }

  /** The stored session, if its id has a session id's shape (never send junk as a header). */
  function read() {
    const stored = readRaw();
    return stored && isSessionId(stored.sessionId) ? stored : null;
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

  function hasLogoutMark() {
    const raw = readRaw();
    return Boolean(raw && raw.loggedOut === true);
  }

  /**
   * Remember the logout under the same key, so that it outlives this client (a restart);
   * `reason` (`SESSION_REPLACED`) says the server ended the session, not the app.
   */
  function markLoggedOut(reason) {
    loggedOut = true;
    try {
      write(reason ? { loggedOut: true, reason } : { loggedOut: true });
    } catch (_) {
      clear(); // at least no session is left behind
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

  /**
   * One api.request call as a promise: resolves for any HTTP status but a redirect, rejects
   * NETWORK_ERROR or REDIRECT_REFUSED. `redirect: 'manual'` asks the runtime not to follow a
   * redirect (wx.request from base library 3.2.2, fetch): a followed one would take the
   * session header along, to wherever the Location points. The SDK never follows one itself.
   */
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
          redirect: 'manual',
          success: (res) =>
            isRedirect(res.statusCode)
              ? reject(
                  sdkError(
                    'REDIRECT_REFUSED',
                    `HTTP ${res.statusCode}: the SDK does not follow redirects with the session`,
                    { statusCode: res.statusCode, data: res.data }
                  )
                )
              : resolve({ statusCode: res.statusCode, data: res.data, header: res.header || {} }),
          fail: (err) =>
            reject(sdkError('NETWORK_ERROR', failMessage(err, 'request failed'), { cause: err })),
        })
      );
    });
  }

  /** A fresh login code from the platform (wx.login, my.getAuthCode, …: platforms.js). */
  function wxCode() {
    return loginCode(api, provider, (message, cause) =>
      sdkError('WX_LOGIN_FAILED', message, { cause })
    );
  }

  function wxCheckSession() {
    if (typeof api.checkSession !== 'function') return Promise.resolve(true);
    return new Promise((resolve) => {
      api.checkSession({ success: () => resolve(true), fail: () => resolve(false) });
    });
  }

  // -- login ------------------------------------------------------------------------------

  function notLoggedIn(response) {
    const extra = response ? { statusCode: response.statusCode, data: response.data } : {};
    return sdkError('NOT_LOGGED_IN', 'logged out: call login() first', extra);
  }

  /** The answer's session id, refused unless it has a session id's shape. */
  function sessionIdOf(data) {
    if (isSessionId(data.session_id)) return data.session_id;
    throw sdkError('SESSION_ID_MALFORMED', 'the server answered a malformed session_id', {
      data,
    });
  }

  /** Store what a login or registration answered; returns the public session object. */
  function adopt(data) {
    const sessionId = sessionIdOf(data);
    const expiresIn = typeof data.expires_in === 'number' ? data.expires_in : undefined;
    const stored = {
      sessionId,
      expiresAt: expiresIn === undefined ? undefined : now() + expiresIn * 1000,
      expiresIn,
      registered: data.registered !== false,
    };
    write(stored);
    loggedOut = false;
    checkedId = stored.sessionId; // a fresh login brings a fresh WeChat session_key
    return Object.assign({}, stored, { user: data.user || null });
  }

  /** The login body: the code, and the app it is for when the client names one. */
  function loginBody(code) {
    return appid === undefined ? { code } : { code, appid };
  }

  /** wx.login, POST the code (one retry with a fresh code); resolves with the answer. */
  async function loginOnce(previous) {
    for (let attempt = 1; ; attempt += 1) {
      const code = await wxCode();
      // Presenting the old session lets the server end it once the new one exists.
      const response = await send(
        { url: loginPath, method: 'POST', data: loginBody(code), header: JSON_HEADER },
        previous
      );
      const data = parse(response.data);
      if (response.statusCode >= 200 && response.statusCode < 300 && data) return data;
      const retriable = attempt === 1 && CODE_CODES.includes(errorCode(response.data));
      if (!retriable) throw errorFromResponse(response, 'LOGIN_FAILED');
    }
  }

  /**
   * How long (ms) the next login must still wait after the last failed ones: the doubling
   * backoff, or the server's own `Retry-After` on that failure if it asked for longer.
   */
  function backoffLeft() {
    if (!failures) return 0;
    const doubling = Math.min(backoff.max, backoff.initial * 2 ** (failures - 1));
    const asked = (lastFailure && lastFailure.retryAfter ? lastFailure.retryAfter : 0) * 1000;
    return lastFailureAt + Math.max(doubling, asked) - now();
  }

  /**
   * One login, unless failed ones ask to wait (every login refused must not cost a login
   * per request). A login that ends after a logout() is not stored: it resolves with the
   * session for logout() to end, and stays out of storage.
   */
  async function attemptLogin(previous, started) {
    const wait = backoffLeft();
    if (wait > 0) {
      const message = `the last login failed (${lastFailure.code}): retry in ${wait} ms`;
      const retryAfter = Math.ceil(wait / 1000); // seconds, as every error's retryAfter
      throw sdkError('LOGIN_BACKOFF', message, { retryAfter, cause: lastFailure });
    }
    try {
      const data = await loginOnce(previous);
      if (started !== generation) return { sessionId: sessionIdOf(data) };
      const session = adopt(data);
      failures = 0;
      return session;
    } catch (error) {
      failures += 1;
      lastFailure = error;
      lastFailureAt = now();
      throw error;
    }
  }

  /**
   * Log in now; callers arriving while a login runs share it. The session being replaced
   * (`previous`, else the stored one) goes with the login so the server ends it.
   */
  function startLogin(previous) {
    if (!inflight) {
      const stored = read();
      const replaced = previous || (stored && stored.sessionId);
      const mine = settle(attemptLogin(replaced, generation), () => {
        if (inflight === mine) inflight = null;
      });
      inflight = mine;
    }
    return inflight;
  }

  function login() {
    return startLogin();
  }

  /** Rejects NOT_LOGGED_IN when logout() ran since `started` (no silent login after it). */
  function stillCurrent(started, response) {
    if (started !== generation) throw notLoggedIn(response);
  }

  /** The session id to send: the stored one (checked once if asked), or a new login's. */
  async function ensureSession(started) {
    if (inflight) return (await inflight).sessionId;
    const stored = live();
    if (!stored) {
      if (loggedOut) throw notLoggedIn();
      return (await login()).sessionId;
    }
    if (checkSession && checkedId !== stored.sessionId) {
      if (!checking) {
        checking = settle(wxCheckSession(), () => {
          checking = null;
        });
      }
      // WeChat's session_key behind this session lapsed: the server should get a fresh one.
      if (!(await checking)) return renew(stored.sessionId, started);
      checkedId = stored.sessionId;
    }
    return stored.sessionId;
  }

  /** After a session failure with `stale`: join a login, reuse a newer session, or log in. */
  async function renew(stale, started) {
    stillCurrent(started);
    if (inflight) return (await inflight).sessionId;
    const stored = read();
    if (stored && stored.sessionId !== stale) return stored.sessionId;
    clear();
    return (await startLogin(stale)).sessionId;
  }

  /** The server refused `stale`: drop it, unless a newer session replaced it already. */
  function forget(stale) {
    const stored = read();
    if (stored && stored.sessionId === stale) clear();
  }

  /**
   * The server says a login elsewhere replaced `stale`. Unless a newer session is stored
   * already (the app logged in again meanwhile: returns it), stop as logout() does, with no
   * login behind the app's back, and tell the app once; returns null.
   */
  function replaced(stale, response) {
    const stored = read();
    if (stored && stored.sessionId !== stale) return stored.sessionId;
    if (loggedOut) return null; // told already, by an earlier answer
    generation += 1;
    inflight = null;
    checkedId = null;
    markLoggedOut(REPLACED);
    if (onReplaced) {
      const error = errorFromResponse(response, REPLACED);
      // The app's hook must not break the request that revealed it: its failures stay its own.
      Promise.resolve()
        .then(() => onReplaced(error))
        .catch(() => {});
    }
    return null;
  }

  // -- re-authentication ------------------------------------------------------------------

  /** A fresh platform code as the server's `reauth` proof of the signed-in account. */
  async function reauth() {
    return { provider, code: await wxCode() };
  }

  /**
   * The request as sent, without the SDK's own options. With `reauth: true`, `data` (an
   * object) gains a fresh proof for each send: a code works once, so a retry after a
   * re-login needs a new one.
   */
  async function prepare(options) {
    const sent = Object.assign({}, options);
    for (const key of SDK_OPTIONS) delete sent[key];
    if (!options.reauth) return sent;
    const data = options.data === undefined ? {} : options.data;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw new TypeError('request: reauth needs data to be an object (or none)');
    }
    return Object.assign(sent, {
      data: Object.assign({}, data, { reauth: await reauth() }),
      header: Object.assign({}, JSON_HEADER, options.header),
    });
  }

  /** A sensitive change answers with a fresh session and ended the one sent: keep it. */
  function adoptFresh(options, response) {
    const data = parse(response.data);
    const fresh = response.statusCode >= 200 && response.statusCode < 300 && data;
    if (options.reauth && fresh && isSessionId(data.session_id)) adopt(data);
  }

  // -- public API -------------------------------------------------------------------------

  async function request(options) {
    const started = generation;
    const sessionId = await ensureSession(started);
    stillCurrent(started);
    let response = await send(await prepare(options), sessionId);
    if (isReplaced(response)) {
      // Requests that were on the wire together all answer as it did: told once, no login.
      const newer = started === generation ? replaced(sessionId, response) : null;
      // Only a session the app itself made since may carry the request again.
      if (newer === null || !isReplayable(options)) return response;
      response = await send(await prepare(options), newer);
    } else if (!isSessionFailure(response)) {
      if (response.statusCode < 400) slide(sessionId);
    } else {
      // Logged out meanwhile: that is why the session is gone; no login behind the app's back.
      stillCurrent(started, response);
      // Not known to be safe to send twice: the route may have run before it said 401.
      if (!isReplayable(options)) {
        forget(sessionId);
        return response;
      }
      // The server no longer knows this session: one login (shared), one retry, no loop.
      const fresh = await renew(sessionId, started);
      response = await send(await prepare(options), fresh);
    }
    // A fresh session answered after a logout() is not kept: the user logged out.
    if (started === generation) adoptFresh(options, response);
    return response;
  }

  /** Tell the server to end `sessionId`; resolves when it did or it was gone already. */
  async function end(sessionId) {
    const response = await send({ url: logoutPath, method: 'POST' }, sessionId);
    if (response.statusCode < 300 || isSessionFailure(response) || isReplaced(response)) return;
    throw errorFromResponse(response, 'LOGOUT_FAILED');
  }

  /**
   * Log out and stay so: storage keeps a logged-out mark, requests in flight cannot log in
   * again, and a login that was under way is ended too instead of being stored.
   */
  async function logout() {
    generation += 1;
    const pending = inflight;
    inflight = null;
    const stored = read();
    markLoggedOut();
    checkedId = null;
    const ended = stored ? [stored.sessionId] : [];
    const late = pending && (await pending.catch(() => null));
    if (late && !ended.includes(late.sessionId)) ended.push(late.sessionId);
    let failure = null;
    for (const sessionId of ended) {
      await end(sessionId).catch((error) => {
        failure = failure || error;
      });
    }
    if (failure) throw failure;
  }

  async function register(profile) {
    const response = await request({
      url: registerPath,
      method: 'POST',
      data: profile || {},
      header: JSON_HEADER,
      replay: true, // wxsession's session guard refuses a session before the route runs
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

  /** The account is gone (deleteAccount): drop the session and stay logged out. */
  function loggedOutNow() {
    generation += 1;
    inflight = null;
    checkedId = null;
    markLoggedOut();
  }

  const accounts = accountCalls({
    send,
    adopt,
    read,
    request,
    wxCode,
    reauth,
    appid,
    loggedOutNow,
    errorFromResponse,
    parse,
  });
  return Object.assign({ login, request, logout, session, register, reauth }, accounts);
}

module.exports = { createClient, SESSION_CODES, REPLACED };
