const { client } = getApp();

/** Run one SDK call, showing progress and any error code on the page. */
async function run(page, label, action) {
  page.setData({ busy: true, status: `${label}…` });
  try {
    page.setData({ status: await action() });
  } catch (err) {
    // err.code is the server's error code (e.g. RATE_LIMITED), or NETWORK_ERROR.
    page.setData({ status: `${label} failed: ${err.code || err.message}`, user: null });
  } finally {
    page.setData({ busy: false });
  }
}

Page({
  data: { status: 'Tap a button.', user: null, busy: false },

  onLoad() {
    this.whoAmI();
  },

  whoAmI() {
    return run(this, 'GET /v1/me', async () => {
      // Logs in first when needed; an expired session is renewed and the call retried once.
      const res = await client.request({ url: '/v1/me' });
      if (res.statusCode !== 200) {
        this.setData({ user: null });
        return `HTTP ${res.statusCode}: ${res.data.error.code}`;
      }
      this.setData({ user: res.data });
      return 'Signed in.';
    });
  },

  relogin() {
    return run(this, 'Log in', async () => {
      const session = await client.login();
      this.setData({ user: session.user });
      return `New session, valid ${session.expiresIn} s when idle.`;
    });
  },

  logout() {
    return run(this, 'Log out', async () => {
      await client.logout();
      this.setData({ user: null });
      return 'Logged out: tap "Log in again" to sign in.';
    });
  },
});
