// Types for wxsession-web (index.js).

/** Where the session travels: the server's HttpOnly cookie, or an `Authorization` header. */
export type Mode = 'cookie' | 'bearer';

/** The part of the Web Storage API used (`localStorage`, `sessionStorage`, or memory). */
export interface SessionStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface ClientOptions {
  /** The wxsession server, e.g. `https://api.example.com`. */
  baseURL: string;
  /**
   * `'cookie'` (default): requests go with `credentials: 'include'` and the server's session
   * cookie (`WXSESSION_CARRIERS` with `cookie`); the page never sees the token. `'bearer'`:
   * the `session_id` a login answers is kept in `storage` and sent in `header`.
   */
  mode?: Mode;
  /**
   * Log in again when the server says the session is missing, invalid, expired or revoked:
   * usually `client.login(path, body)` after asking the user, or a redirect to a web login.
   * Called once for every request failing at that moment (single flight); a GET, HEAD or
   * OPTIONS is then sent again once. Without it the 401 is returned as is.
   */
  relogin?: (client: Client) => Promise<unknown>;
  /**
   * Called once on 401 `SESSION_REPLACED` (a login on another device ended this session:
   * `WXSESSION_MAX_SESSIONS_PER_USER=1`). The client does not log in again: it stays logged
   * out (requests reject `NOT_LOGGED_IN`) until the app calls `login()`.
   */
  onReplaced?: (error: WxSessionError) => void | Promise<void>;
  /** Bearer mode's storage. Default: memory (nothing outlives the page). */
  storage?: SessionStorage;
  /** Storage key. Default `'wxsession'`. */
  storageKey?: string;
  /** Bearer mode's header: `'Authorization'` (default, `Bearer <id>`) or a custom one (raw id). */
  header?: string;
  /** Default `'/v1/auth/logout'`. */
  logoutPath?: string;
  /** Default: the global `fetch`. */
  fetch?: typeof fetch;
}

export interface RequestInit {
  method?: string;
  /** An object is sent as JSON; a string as is. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Send again after a re-login although the method is not GET, HEAD or OPTIONS. */
  replay?: boolean;
}

export interface Answer<T = any> {
  status: number;
  /** The parsed JSON body (or the text, when it is not JSON; `null` when empty). */
  data: T;
  headers: Headers;
}

/**
 * Error codes: the server's, verbatim, plus the SDK's own `NETWORK_ERROR`, `REDIRECT_REFUSED`,
 * `NOT_LOGGED_IN` (after `logout()` or a replaced session, until `login()`),
 * `SESSION_ID_MALFORMED`, `LOGIN_FAILED` and `LOGOUT_FAILED` (an answer without a code).
 */
export declare class WxSessionError extends Error {
  name: 'WxSessionError';
  code: string;
  status?: number;
  data?: any;
  retryAfter?: number;
  cause?: unknown;
}

export interface Client {
  /** Send a request with the session; resolves for any status but a redirect. */
  request<T = any>(path: string, init?: RequestInit): Promise<Answer<T>>;
  /** POST a login route (`/v1/auth/password/login`, …) and keep the session it answers. */
  login<T = any>(path: string, body?: unknown): Promise<T>;
  /** End the session on the server; requests reject `NOT_LOGGED_IN` until `login()`. */
  logout(): Promise<void>;
  /** Bearer mode's stored session, or `null`. */
  session(): { sessionId: string } | null;
}

export declare const SESSION_CODES: readonly [
  'SESSION_MISSING',
  'SESSION_INVALID',
  'SESSION_EXPIRED',
  'SESSION_REVOKED',
];
export declare const REPLACED: 'SESSION_REPLACED';
export declare function memoryStorage(): SessionStorage;
export declare function createClient(options: ClientOptions): Client;
