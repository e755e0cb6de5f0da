'use strict';
/**
 * Phone and e-mail as ways in, password reset and closing the account (wxsession issue 23):
 * the calls of a client that need its session store (index.js passes what they use).
 *
 * Codes come from `sendCode` (SMS or mail, 6 digits, 5 minutes); a login with one stores the
 * session as `login()` does, presenting the old one so the server ends it. `deleteAccount`
 * proves the account with a fresh platform code (or the proof given), and leaves the client
 * logged out: a request afterwards must not sign the person up again by itself.
 */

const JSON_HEADER = { 'content-type': 'application/json' };

/**
 * @param {object} core what index.js's createClient shares: `send(request, sessionId)`,
 *   `adopt(data)`, `read()`, `request(options)`, `wxCode()`, `reauth()`, `appid`,
 *   `loggedOutNow()`, `errorFromResponse(response, fallback)`, `parse(data)`.
 */
function accountCalls(core) {
  function ok(response) {
    return response.statusCode >= 200 && response.statusCode < 300;
  }

  /** POST a body without the session; resolves with the parsed answer of a 2xx. */
  async function post(url, data, fallback, sessionId) {
    const response = await core.send({ url, method: 'POST', data, header: JSON_HEADER }, sessionId);
    if (!ok(response)) throw core.errorFromResponse(response, fallback);
    return core.parse(response.data);
  }

  /** A login-like POST: the stored session goes along (the server ends it), the new one stays. */
  async function signIn(url, data) {
    const stored = core.read();
    const answer = await post(url, data, 'LOGIN_FAILED', stored && stored.sessionId);
    return core.adopt(answer || {});
  }

  /**
   * Send a code: `{phone | email, purpose}` (purpose `login`, `register`, `bind` or `reset`;
   * `captcha: {id, answer}` once the server asks), or `{username}` for a reset code sent to
   * the phone or e-mail bound to that name. The server answers the same whether or not the
   * address is known.
   */
  async function sendCode(target) {
    const body = Object.assign({}, target);
    if (body.username !== undefined) {
      return post('/v1/auth/password/reset-code', { username: body.username }, 'SEND_CODE_FAILED');
    }
    return post('/v1/auth/codes', body, 'SEND_CODE_FAILED');
  }

  function phoneLogin({ phone, code }) {
    return signIn('/v1/auth/phone/login', { phone, code });
  }

  function emailLogin({ email, code }) {
    return signIn('/v1/auth/email/login', { email, code });
  }

  /** WeChat's one-tap phone login: `phoneCode` is the getPhoneNumber button's `e.detail.code`. */
  async function wechatPhoneLogin(phoneCode) {
    const code = await core.wxCode();
    const body = { code, phone_code: phoneCode };
    if (core.appid !== undefined) body.appid = core.appid;
    return signIn('/v1/auth/wechat/phone-login', body);
  }

  /** `{phone | email | username, code, newPassword}`; every session of the user ends. */
  async function resetPassword({ phone, email, username, code, newPassword }) {
    const body = { code, new_password: newPassword };
    if (phone !== undefined) body.phone = phone;
    if (email !== undefined) body.email = email;
    if (username !== undefined) body.username = username;
    await post('/v1/auth/password/reset', body, 'RESET_FAILED');
  }

  /**
   * Delete the signed-in account for good. `proof` defaults to a fresh platform code; pass
   * `{password}` or `{provider: 'phone', code}` for an account without this platform.
   */
  async function deleteAccount(proof) {
    const reauth = proof || (await core.reauth());
    const response = await core.request({
      url: '/v1/me',
      method: 'DELETE',
      data: { reauth },
      header: JSON_HEADER,
    });
    if (!ok(response)) throw core.errorFromResponse(response, 'DELETE_FAILED');
    core.loggedOutNow();
  }

  return { sendCode, phoneLogin, emailLogin, wechatPhoneLogin, resetPassword, deleteAccount };
}

module.exports = { accountCalls };
