// The peer: a session kept by express-session in Redis through connect-redis, used the way
// its documentation shows. POST /login sets the session (a user with the fields wxsession's
// GET /v1/me returns); GET /me reads it back, or answers 401. One node process.
import express from "express";
import session from "express-session";
import { RedisStore } from "connect-redis";
import { createClient } from "redis";

const port = Number(process.env.PORT);
const client = createClient({ url: process.env.REDIS_URL });
await client.connect();

const app = express();
app.disable("x-powered-by");
app.use(
  session({
    store: new RedisStore({ client, prefix: "express:" }),
    secret: "bench-only-secret",
    resave: false,
    saveUninitialized: false,
    cookie: { maxAge: 7200 * 1000 },
  }),
);

app.post("/login", (req, res) => {
  req.session.user = {
    id: "0123456789abcdef0123456789abcdef",
    nickname: "bench",
    avatar_url: null,
    created_at: new Date().toISOString(),
  };
  res.json({ ok: true });
});

app.get("/me", (req, res) => {
  if (!req.session.user) {
    res.status(401).json({ error: { code: "SESSION_INVALID" } });
    return;
  }
  res.json(req.session.user);
});

app.get("/", (_req, res) => res.json({ ok: true }));

app.listen(port, "127.0.0.1");
