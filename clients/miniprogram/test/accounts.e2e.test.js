'use strict';
// End-to-end: phone and e-mail logins, WeChat's one-tap phone login, password reset and
// closing the account, through the SDK against a real `wxsession serve` in dev mode; codes
// are read from its emulator's outbox (GET /_emulator/outbox?to=), as a person reads their
// phone. tests/system/test_miniprogram_sdk.py starts it and sets WXSESSION_DEV_URL; run
// alone (plain `node --test`), this file skips itself.
const test = require('node:test');
const assert = require('node:assert/strict');

const { createClient } = require('..');
const { httpApi, postJSON } = require('./http-api');

const { WXSESSION_DEV_URL } = process.env;
const skip = WXSESSION_DEV_URL ? false : 'needs WXSESSION_DEV_URL (see pytest)';

function clientFor(user) {
  const api = httpApi(user, { emulatorURL: WXSESSION_DEV_URL });
  return createClient({ baseURL: WXSESSION_DEV_URL, api });
}

/** The newest code the outbox holds for `to`. */
async function codeFor(to) {
  const res = await fetch(`${WXSESSION_DEV_URL}/_emulator/outbox?to=${encodeURIComponent(to)}`);
  const { messages } = await res.json();
  assert.ok(messages.length > 0, `nothing was sent to ${to}`);
  return messages[0].code;
}

async function identities(client) {
  const mine = await client.request({ url: '/v1/me/identities' });
  return mine.data.identities.map((way) => way.provider).sort();
}

test('accounts: sign up and in by phone code, then by e-mail code', { skip }, async () => {
  const client = clientFor('sdk-phone');
  await client.sendCode({ phone: '13800138101', purpose: 'login' });
  const wrong = await client.phoneLogin({ phone: '13800138101', code: 'abcdef' }).catch((e) => e);
  assert.equal(wrong.code, 'CODE_INVALID');
  assert.equal(client.session(), null); // nothing stored for a refused code
  const first = await client.phoneLogin({
    phone: '13800138101',
    code: await codeFor('+8613800138101'),
  });
  assert.equal(first.registered, true);
  assert.deepEqual(await identities(client), ['phone']);

  const mail = clientFor('sdk-mail');
  await mail.sendCode({ email: 'sdk@Example.com', purpose: 'login' });
  const byMail = await mail.emailLogin({
    email: 'sdk@example.com',
    code: await codeFor('sdk@example.com'),
  });
  assert.notEqual(byMail.user.id, first.user.id);
  const me = await mail.request({ url: '/v1/me' });
  assert.equal(me.data.id, byMail.user.id);
});

test('accounts: WeChat one-tap phone login joins the phone owner', { skip }, async () => {
  const owner = clientFor('sdk-owner');
  await owner.sendCode({ phone: '13800138102', purpose: 'login' });
  const byPhone = await owner.phoneLogin({
    phone: '13800138102',
    code: await codeFor('+8613800138102'),
  });
  const client = clientFor('sdk-tapper');
  const { code: phoneCode } = await postJSON(`${WXSESSION_DEV_URL}/_emulator/phone-code`, {
    user: 'sdk-tapper',
    phone: '13800138102',
  });
  const joined = await client.wechatPhoneLogin(phoneCode);
  assert.equal(joined.user.id, byPhone.user.id);
  assert.deepEqual(await identities(client), ['phone', 'wechat']);
});

test('accounts: reset a forgotten password by phone', { skip }, async () => {
  const client = clientFor('sdk-reset');
  const phone = '+8613800138103';
  await client.sendCode({ phone, purpose: 'register' });
  const registered = await fetch(`${WXSESSION_DEV_URL}/v1/auth/password/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phone, password: 'an old passphrase 1', code: await codeFor(phone) }),
  });
  assert.equal(registered.status, 201);
  await client.sendCode({ phone, purpose: 'reset' }).catch(async (error) => {
    assert.equal(error.code, 'RATE_LIMITED'); // one a minute per address: wait it out once
    await new Promise((resolve) => setTimeout(resolve, error.retryAfter * 1000));
    await client.sendCode({ phone, purpose: 'reset' });
  });
  await client.resetPassword({
    phone,
    code: await codeFor(phone),
    newPassword: 'a new passphrase 2',
  });
  const login = await fetch(`${WXSESSION_DEV_URL}/v1/auth/password/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phone, password: 'a new passphrase 2' }),
  });
  assert.equal(login.status, 200);
});

test('accounts: delete the account, then stay logged out', { skip }, async () => {
  const client = clientFor('sdk-leaver');
  const first = await client.login();
  await client.deleteAccount();
  assert.equal(client.session(), null);
  const after = await client.request({ url: '/v1/me' }).catch((e) => e);
  assert.equal(after.code, 'NOT_LOGGED_IN');
  const again = await client.login(); // the same WeChat user signs up afresh
  assert.notEqual(again.user.id, first.user.id);
});
