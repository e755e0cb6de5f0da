/**
 * wxsession-web: the browser half of wxsession for web and H5 pages, an ES module with no
 * dependencies, built on `fetch`.
 *
 * The same contract as the mini-program SDK (clients/miniprogram): the server's error codes
 * verbatim, one shared re-login when the session is missing, invalid, expired or revoked,
 * one retry of a request that is safe to send twice, never a loop, a logout that sticks,
 * redirects never followed with the session, and no silent re-login on `SESSION_REPLACED`
 * (a login on another device in single-device mode: the app's `onReplaced` decides).
 *
 * Two modes. `cookie`: the server's `HttpOnly` session cookie travels with
 * `credentials: 'include'` and the page never sees the token. `bearer`: the `session_id` a
 * login answers is kept in `storage` (memory by default) and sent as `Authorization:
 * Bearer …`. A page on another origin needs that origin in `WXSESSION_CORS_ORIGINS`.
 * Logging in is the app's: a browser login needs a user (a password, a redirect to WeChat),
 * so the SDK calls the app's `relogin()` for it and shares that one call.
 */

/** 401 codes after which a fresh login can help (shared verbatim with the server). */
export const SESSION_CODES = Object.freeze([
  'SESSION_MISSING',
  'SESSION_INVALID',
  'SESSION_EXPIRED',
  'SESSION_REVOKED',
]);
/** The 401 code of a session a login elsewhere ended: never answered by a silent login. */
export const REPLACED = 'SESSION_REPLACED';
/** Methods sent again after a re-login without asking (others only with `replay: true`). */
const SAFE_METHODS = ['GET', 'HEAD', 'OPTIONS'];
/** A session id's shape before it is stored or put in a header (the server's alphabet). */
const SESSION_ID_SHAPE = /^[A-Za-z0-9._-]{1,128}$/;

/** An Error carrying the server's error code, or one of the SDK's own. */
export class WxSessionError extends Error {
  constructor(code, message, extra = {}) {
    super(message);
    this.name = 'WxSessionError';
    this.code = code;
    for (const key of ['status', 'data', 'cause', 'retryAfter']) {
      if (extra[key] !== undefined) this[key] = extra[key];
    }
  }
}

/** A storage that lives as long as the page (the default: nothing outlives a reload). */
export function memoryStorage() {
  const items = new Map();
  return {
    getItem: (key) => (items.has(key) ? items.get(key) : null),
    setItem: (key, value) => void items.set(key, String(value)),
    removeItem: (key) => void items.delete(key),
  };
}

/** The `{error: {code}}` of an answer's body, or undefined. */
function codeOf(data) {
  const error = data && typeof data === 'object' ? data.error : undefined;
  return error && typeof error.code === 'string' ? error.code : undefined;
}

/** The error an answer stands for: its own code, else `fallback`. */
function answerError(answer, fallback) {
  const error = answer.data && answer.data.error;
  const retry = /^\d+$/.test(answer.headers.get('retry-after') || '')
    ? Number(answer.headers.get('retry-after'))
    : undefined;
  const message = (error && error.message) || `HTTP ${answer.status}`;
  return new WxSessionError(codeOf(answer.data) || fallback, message, {
    status: answer.status,
    data: answer.data,
    retryAfter: retry,
  });
}

function isSessionFailure(answer) {
  return answer.status === 401 && SESSION_CODES.includes(codeOf(answer.data));
}

function isReplaced(answer) {
  return answer.status === 401 && codeOf(answer.data) === REPLACED;
}

/**
 * Create a client bound to one wxsession server.
 * @param {import('./index').ClientOptions} options
 * @returns {import('./index').Client}
 */
export function createClient(options = {}) {
  const baseURL = String(options.baseURL || '').replace(/\/+$/, '');
  if (!baseURL) throw new TypeError('createClient: baseURL is required');
  const mode = options.mode || 'cookie';
  if (mode !== 'cookie' && mode !== 'bearer') {
    throw new TypeError("createClient: mode must be 'cookie' or 'bearer'");
  }
  for (const hook of ['relogin', 'onReplaced']) {
    if (options[hook] !== undefined && typeof options[hook] !== 'function') {
      throw new TypeError(`createClient: ${hook} must be a function`);
    }
  }
  const fetcher = options.fetch || globalThis.fetch.bind(globalThis);
  const storage = options.storage || memoryStorage();
  const storageKey = options.storageKey || 'wxsession';
  const headerName = options.header || 'Authorization';
  const logoutPath = options.logoutPath || '/v1/auth/logout';

  /** The re-login in flight, shared by every request that needs one (single flight). */
  let inflight = null;
  /** Bumped by logout() and by a replaced session: older work must not log in again. */
  let generation = 0;

  // -- storage: `{sessionId}` (bearer), or `{loggedOut, reason?}` --------------------------

  function stored() {
    try {
      const value = JSON.parse(storage.getItem(storageKey) || 'null');
      return value && typeof value === 'object' ? value : null;
    } catch (_) {
      return null;
    }
  }

  function keep(value) {
    storage.setItem(storageKey, JSON.stringify(value));
  }

  function currentId() {
    const value = stored();
    return value && SESSION_ID_SHAPE.test(value.sessionId || '') ? value.sessionId : null;
  }

  function loggedOut() {
    const value = stored();
    return Boolean(value && value.loggedOut === true);
  }

  // -- transport ---------------------------------------------------------------------------

  /** One fetch: resolves `{status, data, headers}` for any status but a redirect. */
  async function send(path, init, sessionId) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith('//')) {
      throw new TypeError('request: path must be relative to baseURL');
    }
    const headers = Object.assign({}, init.headers);
    if (mode === 'bearer' && sessionId) {
      const bearer = headerName.toLowerCase() === 'authorization';
      headers[headerName] = bearer ? `Bearer ${sessionId}` : sessionId;
    }
    let body = init.body;
    if (body !== undefined && typeof body !== 'string') {
      body = JSON.stringify(body);
      headers['Content-Type'] = headers['Content-Type'] || 'application/json';
    }
    let response;
    try {
      response = await fetcher(baseURL + (path.startsWith('/') ? path : `/${path}`), {
        method: init.method || 'GET',
        headers,
        body,
        credentials: mode === 'cookie' ? 'include' : 'omit',
        redirect: 'manual',
      });
    } catch (cause) {
      const message = String((cause && cause.message) || cause);
      throw new WxSessionError('NETWORK_ERROR', message, { cause });
    }
    const { status } = response;
    if (response.type === 'opaqueredirect' || (status >= 300 && status < 400 && status !== 304)) {
      const message = 'the SDK does not follow redirects with the session';
      throw new WxSessionError('REDIRECT_REFUSED', message, { status });
    }
    const text = await response.text();
    let data = text;
    try {
      data = text ? JSON.parse(text) : null;
    } catch (_) {
      // Not JSON (a proxy's page): handed back as text.
    }
    return { status: response.status, data, headers: response.headers };
  }

  // -- logging in --------------------------------------------------------------------------

  /** Keep what a login answered (bearer: its session id, checked); clears a logout. */
  function adopt(data) {
    if (mode === 'bearer') {
      const sessionId = data && data.session_id;
      if (typeof sessionId !== 'string' || !SESSION_ID_SHAPE.test(sessionId)) {
        const message = 'the server answered a malformed session_id';
        throw new WxSessionError('SESSION_ID_MALFORMED', message, { data });
      }
      keep({ sessionId });
    } else {
      storage.removeItem(storageKey);
    }
    return data;
  }

  /** POST a login route (password, register, a code): the session it answers is kept. */
  function login(path, body) {
    const started = generation;
    const run = async () => {
      const answer = await send(path, { method: 'POST', body: body || {} }, currentId());
      if (answer.status < 200 || answer.status >= 300) throw answerError(answer, 'LOGIN_FAILED');
      if (started !== generation) throw notLoggedIn(); // logged out meanwhile: not kept
      return adopt(answer.data);
    };
    return run();
  }

  /** The app's re-login, once for every request that needs it at the same moment. */
  function relogin() {
    if (!options.relogin) return null;
    if (!inflight) {
      const started = generation;
      const mine = Promise.resolve()
        .then(() => options.relogin(client))
        .then((value) => {
          if (started !== generation) throw notLoggedIn();
          return value;
        })
        .finally(() => {
          if (inflight === mine) inflight = null;
        });
      inflight = mine;
    }
    return inflight;
  }

  function notLoggedIn(answer) {
    const extra = answer ? { status: answer.status, data: answer.data } : {};
    return new WxSessionError('NOT_LOGGED_IN', 'logged out: log in first', extra);
  }

  /** The server says a login elsewhere ended `stale`: stop, and tell the app once. */
  function replaced(stale, answer) {
    if (mode === 'bearer' && currentId() !== stale) return currentId();
    if (loggedOut()) return null;
    generation += 1;
    inflight = null;
    keep({ loggedOut: true, reason: REPLACED });
    if (options.onReplaced) {
      const error = answerError(answer, REPLACED);
      Promise.resolve()
        .then(() => options.onReplaced(error))
        .catch(() => {});
    }
    return null;
  }

  // -- requests ----------------------------------------------------------------------------

  async function request(path, init = {}) {
    const started = generation;
    if (inflight) await inflight.catch(() => null);
    if (loggedOut()) throw notLoggedIn();
    const sessionId = currentId();
    let answer = await send(path, init, sessionId);
    const method = String(init.method || 'GET').toUpperCase();
    const replayable = init.replay === true || SAFE_METHODS.includes(method);
    if (isReplaced(answer)) {
      const newer = started === generation ? replaced(sessionId, answer) : null;
      if (newer === null || !replayable) return answer;
      return send(path, init, newer);
    }
    if (!isSessionFailure(answer)) return answer;
    if (started !== generation) throw notLoggedIn(answer);
    if (mode === 'bearer' && currentId() === sessionId) storage.removeItem(storageKey);
    if (!replayable) return answer;
    if (mode === 'bearer' && currentId() && currentId() !== sessionId) {
      return send(path, init, currentId()); // a newer session exists already
    }
    const renewing = relogin();
    if (renewing === null) return answer; // the app logs in itself (no relogin given)
    await renewing;
    if (started !== generation) throw notLoggedIn(answer);
    answer = await send(path, init, currentId());
    return answer;
  }

  /** End the session on the server and stay logged out until the next login. */
  async function logout() {
    generation += 1;
    inflight = null;
    const sessionId = currentId();
    keep({ loggedOut: true });
    const answer = await send(logoutPath, { method: 'POST' }, sessionId);
    if (answer.status >= 300 && !isSessionFailure(answer) && !isReplaced(answer)) {
      throw answerError(answer, 'LOGOUT_FAILED');
    }
  }

  function session() {
    const sessionId = currentId();
    return sessionId ? { sessionId } : null;
  }

  const client = { request, login, logout, session };
  return client;
}
