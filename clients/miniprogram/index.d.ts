// Types for wxsession-miniprogram (index.js).

/**
 * The platform object: `wx` (or `qq`, `tt`, `swan`, `ks`), `uni`, or `Taro`. Only these
 * members are used, callback style: the platform's login-code call (below), `request({ url,
 * method, data, header, redirect: 'manual', success({ statusCode, data, header }), fail })`,
 * the three storage calls, and (only with `checkSession: true`, if present)
 * `checkSession({ success, fail })`. The login-code call is `login({ success({ code }), fail
 * })` (WeChat, QQ, Douyin, Kuaishou), `getLoginCode({ success({ code }), fail })` (Baidu) or
 * `getAuthCode({ scopes: 'auth_base', success({ authCode }), fail })` (Alipay); uni-app's
 * `uni` (recognised by its `getProvider`) gets `login({ provider, success({ code }), fail })`
 * on every platform. Alipay's own `my` (request with `headers`, storage by `{ key }`) is
 * adapted by the SDK. An `api` of your own built on `fetch` should pass `redirect` on to it.
 * Parameters are loose so that each platform's own typings (e.g. miniprogram-api-typings'
 * `Wx`) are accepted.
 */
export interface PlatformApi {
  login?(options: any): unknown;
  getLoginCode?(options: any): unknown;
  getAuthCode?(options: any): unknown;
  getProvider?(options: any): unknown;
  request(options: any): unknown;
  getStorageSync(key: string): any;
  setStorageSync(key: string, value: any): unknown;
  removeStorageSync(key: string): unknown;
  checkSession?(options: any): unknown;
}

/**
 * The mini-program platforms, by the server's provider names (`/v1/auth/<provider>/login`):
 * WeChat (`wx.login`), QQ (`qq.login`), Douyin (`tt.login`), Alipay (`my.getAuthCode`, scope
 * `auth_base`), Baidu (`swan.getLoginCode`) and Kuaishou (`ks.login`).
 */
export type Provider = 'wechat' | 'qq' | 'douyin' | 'alipay' | 'baidu' | 'kuaishou';

export interface ClientOptions {
  /** The wxsession server, e.g. `https://api.example.com` (no trailing path needed). */
  baseURL: string;
  /**
   * The mini program's platform (default `'wechat'`). It picks the login route
   * (`/v1/auth/<provider>/login`), the login-code call and the default `api` (`wx`, `qq`,
   * `tt`, `my`, `swan` or `ks`).
   */
  provider?: Provider;
  /**
   * The app this mini program is on the server (its appid; Alipay's app id, Baidu's AppKey),
   * sent as `appid` with every login. Needed when the server has several apps of the
   * platform; with one it may be left out.
   */
  appid?: string;
  /** The provider's own global (the default, when it exists), `uni` or `Taro`. */
  api?: PlatformApi;
  /** Storage key of the session. Default `'wxsession'`. */
  storageKey?: string;
  /**
   * Header carrying the session. `'Authorization'` (default) sends `Bearer <id>`; any other
   * name sends the raw id (match the server's `WXSESSION_HEADER_NAME`). Keep the default where
   * the runtime follows redirects by itself: fetch and XHR drop `Authorization` on a
   * cross-origin redirect, but keep a custom header.
   */
  header?: string;
  /** Default `'/v1/auth/<provider>/login'` (`'/v1/auth/wechat/login'`). */
  loginPath?: string;
  /** Default `'/v1/auth/logout'`. */
  logoutPath?: string;
  /** Default `'/v1/auth/register'`. */
  registerPath?: string;
  /**
   * Call `api.checkSession` before reusing a stored session (once per client and session);
   * when WeChat says its session lapsed, log in again. Default `false`.
   */
  checkSession?: boolean;
  /**
   * Wait after a failed login before the next one may go out (ms): `initial` after the first
   * failure, doubling with each further one up to `max`; a good login resets it. Meanwhile
   * logins reject `LOGIN_BACKOFF`. Default `{ initial: 1000, max: 60000 }`.
   */
  loginBackoff?: { initial?: number; max?: number };
  /** Clock in milliseconds, for tests. Default `Date.now`. */
  now?: () => number;
  /**
   * Called once when the server answers 401 `SESSION_REPLACED`: a login on another device
   * ended this session (the server keeps one session per user,
   * `WXSESSION_MAX_SESSIONS_PER_USER=1`). The client does not log in again by itself (two
   * devices would take the session from each other forever): it stops as after `logout()`
   * (requests reject `NOT_LOGGED_IN`, across restarts too) until the app calls `login()`,
   * e.g. after asking the user. The request that met it resolves with the 401 as is.
   */
  onReplaced?: (error: WxSessionError) => void | Promise<void>;
}

/** The same options as wx.request, with `url` relative to `baseURL`. */
export interface RequestOptions {
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD' | 'OPTIONS' | string;
  data?: any;
  header?: Record<string, string>;
  /**
   * Add `reauth` to `data` (an object): a fresh platform code (`wx.login()`, no user
   * interaction), the server's proof of the signed-in account for changes of how it signs in
   * (bind, unbind, set a password). A 2xx answer's fresh `session_id` is stored, since the
   * server ended the one sent. Without a proof such routes answer 401
   * `REAUTHENTICATION_REQUIRED`; a refused one is 401 `REAUTHENTICATION_FAILED` (neither makes
   * the client log in again).
   */
  reauth?: boolean;
  /**
   * Send the request again after a re-login even though its method is not GET, HEAD or
   * OPTIONS. Without it, a 401 `SESSION_*` answer to a POST, PUT, PATCH or DELETE is returned
   * as is (the stale session dropped): the SDK cannot tell a 401 the server sent before the
   * route ran from one sent after it ran (e.g. Flask's lazy `current_user`). Set it only when
   * the route is safe to run twice or refuses sessions before running (wxsession's own
   * routes, FastAPI dependencies, `@login_required`).
   */
  replay?: boolean;
  /**
   * Anything else (timeout, dataType, responseType, …) is passed to `api.request` as is,
   * except `redirect`, which is always `'manual'`.
   */
  [option: string]: any;
}

export interface Response<T = any> {
  statusCode: number;
  data: T;
  header: Record<string, string>;
}

/** A `reauth` proof: a fresh login code of the platform, or the current password. */
export type ReauthProof = { provider: string; code: string } | { password: string };

/**
 * What is kept in storage (after `logout()`, the key holds `{ loggedOut: true }` instead; after
 * a replaced session, `{ loggedOut: true, reason: 'SESSION_REPLACED' }`).
 */
export interface StoredSession {
  sessionId: string;
  /** Local estimate (ms since epoch) of the idle timeout, moved along by successful use. */
  expiresAt?: number;
  /** The server's idle timeout in seconds, as reported at login. */
  expiresIn?: number;
  /** `false` while a session waits for registration (explicit registration mode). */
  registered: boolean;
}

export interface User {
  id: string;
  nickname: string | null;
  avatar_url: string | null;
  created_at: string;
}

/** What `login()` and `register()` resolve with. */
export interface Session extends StoredSession {
  user: User | null;
}

/**
 * Error codes: the server's (`SESSION_EXPIRED`, `WECHAT_CODE_USED`, `RATE_LIMITED`,
 * `WECHAT_UNAVAILABLE`, …, shared verbatim; open data answers `WECHAT_DATA_INVALID` for every
 * refusal after decryption, and `RATE_LIMITED` after too many failures: see the README)
 * plus the SDK's own `NETWORK_ERROR` (api.request
 * called `fail` without an answer), `WX_LOGIN_FAILED` (the platform's login-code call called
 * `fail` or gave no code, on every platform), `LOGIN_FAILED` /
 * `LOGOUT_FAILED` / `REGISTER_FAILED` for an answer without a wxsession error code,
 * `REDIRECT_REFUSED` (a 3xx answer: redirects are never followed with the session),
 * `NOT_LOGGED_IN` (after `logout()`, until `login()`; also a request in flight during the
 * logout), `SESSION_ID_MALFORMED` (a login answer whose `session_id` is not one: nothing
 * stored) and `LOGIN_BACKOFF` (a login too soon after a failed one; see `retryAfter`, and the
 * failed login's error in `cause`).
 */
export interface WxSessionError extends Error {
  name: 'WxSessionError';
  code: string;
  /** The HTTP status, when the server answered. */
  statusCode?: number;
  /** The response body, when the server answered. */
  data?: any;
  /**
   * Seconds to wait before trying again: from the answer's `Retry-After` (429 `RATE_LIMITED`,
   * 503 such as `WECHAT_UNAVAILABLE`; the SDK never retries those by itself), or, for
   * `LOGIN_BACKOFF`, until a login may go out again.
   */
  retryAfter?: number;
  /**
   * What `api.request` or the login-code call passed to `fail` (or the code-less answer); for
   * `LOGIN_BACKOFF`, the last failure.
   */
  cause?: unknown;
}

export interface Client {
  /**
   * Log in now (wx.login → POST code → store); concurrent callers share one login. The only
   * way out of the logged-out state `logout()` leaves.
   */
  login(): Promise<Session>;
  /**
   * Send a request with the session (logging in first if there is none, unless logged out:
   * then `NOT_LOGGED_IN`). Resolves for any HTTP status but a redirect; on 401
   * SESSION_MISSING/INVALID/EXPIRED/REVOKED logs in again once and retries once a GET, HEAD
   * or OPTIONS (others only with `replay: true`); on 401 SESSION_REPLACED it calls
   * `onReplaced` and stops.
   */
  request<T = any>(options: RequestOptions): Promise<Response<T>>;
  /**
   * End the session on the server and clear storage (in every case), leaving the client
   * logged out until `login()`, across restarts too: requests in flight do not log in again.
   */
  logout(): Promise<void>;
  /** The stored session, or `null`. */
  session(): StoredSession | null;
  /** Complete a pending session (explicit registration mode); stores the fresh session. */
  register(profile?: { nickname?: string; avatar_url?: string }): Promise<Session>;
  /**
   * A fresh `reauth` proof, `{provider, code}` from the platform's login (no user
   * interaction), for a request body built by hand; `request({reauth: true})` adds one itself.
   */
  reauth(): Promise<{ provider: Provider; code: string }>;
  /**
   * Send a 6-digit code by SMS or mail (`POST /v1/auth/codes`), or, with `{username}`, a reset
   * code to the phone or e-mail bound to that name. Resolves alike for known and unknown
   * addresses. Errors: `RATE_LIMITED` (see `retryAfter`), `CAPTCHA_REQUIRED` (send again with
   * `captcha`), `SENDER_UNAVAILABLE` (503: an earlier code still works), `PHONE_INVALID`, …
   */
  sendCode(target: SendCodeTarget): Promise<{ status: string; expires_in?: number } | null>;
  /** Sign in (or up, by the server's registration mode) with a code sent to a phone. */
  phoneLogin(proof: { phone: string; code: string }): Promise<Session>;
  /** Sign in (or up) with a code sent to an e-mail address. */
  emailLogin(proof: { email: string; code: string }): Promise<Session>;
  /**
   * WeChat's one-tap phone login: a fresh wx.login() code plus the getPhoneNumber button's
   * `e.detail.code`. A phone and WeChat identity of two different users: `ACCOUNT_CONFLICT`.
   */
  wechatPhoneLogin(phoneCode: string): Promise<Session>;
  /** Set a new password with a `reset` code; every session of the user ends. */
  resetPassword(reset: PasswordReset): Promise<void>;
  /**
   * Delete the signed-in account for good (`DELETE /v1/me`), proven by a fresh platform code
   * unless `proof` is given; the client is then logged out, as after `logout()`.
   */
  deleteAccount(proof?: ReauthProof): Promise<void>;
}

/** Where `sendCode` sends a code. */
export type SendCodeTarget =
  | {
      phone: string;
      purpose: CodePurpose;
      captcha?: { id: string; answer: string };
    }
  | {
      email: string;
      purpose: CodePurpose;
      captcha?: { id: string; answer: string };
    }
  | { username: string };

export type CodePurpose = 'login' | 'register' | 'bind' | 'reset';

/** What `resetPassword` sends: exactly one of `phone`, `email`, `username`. */
export type PasswordReset = { code: string; newPassword: string } & (
  | { phone: string; email?: never; username?: never }
  | { email: string; phone?: never; username?: never }
  | { username: string; phone?: never; email?: never }
);

/** The 401 codes that make the client log in again and retry once. */
export declare const SESSION_CODES: readonly [
  'SESSION_MISSING',
  'SESSION_INVALID',
  'SESSION_EXPIRED',
  'SESSION_REVOKED',
];

/** The 401 code that never makes the client log in again: see `onReplaced`. */
export declare const REPLACED: 'SESSION_REPLACED';

export declare function createClient(options: ClientOptions): Client;
