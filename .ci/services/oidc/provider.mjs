// A real OpenID Connect provider (panva's certified oidc-provider) on loopback for the tests.
// One confidential client (authorization code + PKCE S256, loopback redirect URIs on any port as
// RFC 8252 allows for native apps) and three users: alice (platform-admins), bob (developers),
// carol (no group), and erin (alice with ID tokens that expire after a second). The login page accepts their passwords; consent is given for the test client.
// Configuration from the environment: OIDC_PORT, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_PASSWORD.
import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { URLSearchParams } from 'node:url';
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const issuer = `http://127.0.0.1:${port}`;
const password = process.env.OIDC_PASSWORD;
const users = {
  alice: { name: 'Alice Admin', email: 'alice@example.test', groups: ['platform-admins', 'everyone'] },
  bob: { name: 'Bob Developer', email: 'bob@example.test', groups: ['developers', 'everyone'] },
  carol: { name: 'Carol Nogroup', email: 'carol@example.test', groups: [] },
  // Like alice, but her ID tokens live one second: the tests of expired tokens sign in as erin.
  erin: { name: 'Erin Expired', email: 'erin@example.test', groups: ['platform-admins'] },
};

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: crypto.randomUUID() };

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title, body) => `<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)}</title></head><body><h1>${escape(title)}</h1>${body}</body></html>`;

const configuration = {
  clients: [{
    client_id: process.env.OIDC_CLIENT_ID,
    client_secret: process.env.OIDC_CLIENT_SECRET,
    application_type: 'native',
    redirect_uris: ['http://127.0.0.1/signin-oidc', 'http://localhost/signin-oidc'],
    post_logout_redirect_uris: ['http://127.0.0.1/signout-callback-oidc', 'http://localhost/signout-callback-oidc'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  jwks: { keys: [jwk] },
  ttl: {
    IdToken: (ctx, token) => (token.available?.sub === 'erin' ? 1 : 3600),
    Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 3600, AuthorizationCode: 60,
  },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  pkce: { methods: ['S256'], required: () => true },
  scopes: ['openid', 'profile', 'email', 'groups'],
  claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email'], groups: ['groups'] },
  // Groups in the ID token as well as from userinfo, as Keycloak's group mapper does.
  conformIdTokenClaims: false,
  findAccount: async (ctx, id) => users[id] && {
    accountId: id,
    claims: async () => ({ sub: id, preferred_username: id, name: users[id].name, email: users[id].email, groups: users[id].groups }),
  },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: { enabled: true },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = page('Error', `<pre id="error">${escape(out.error)}: ${escape(out.error_description ?? '')}</pre>`);
  },
};

const provider = new Provider(issuer, configuration);
// RFC 8252 section 7.3: a loopback redirect may use any port; the same for where to go after sign-out.
const allowLogout = provider.Client.prototype.postLogoutRedirectUriAllowed;
provider.Client.prototype.postLogoutRedirectUriAllowed = function (value) {
  if (allowLogout.call(this, value)) return true;
  try {
    const u = new URL(value);
    if (u.protocol !== 'http:' || !['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) return false;
    u.port = '';
    return this.postLogoutRedirectUris.some((a) => new URL(a).href === u.href);
  } catch { return false; }
};
provider.on('server_error', (ctx, err) => console.error('oidc: server_error', err));

const readForm = (req) => new Promise((resolve, reject) => {
  let data = '';
  req.on('data', (c) => { data += c; if (data.length > 65536) req.destroy(); });
  req.on('end', () => resolve(new URLSearchParams(data)));
  req.on('error', reject);
});

const loginForm = (uid, error) => page('Sign in to the test provider',
  `${error ? `<p id="login-error">${escape(error)}</p>` : ''}
  <form method="post" action="/interaction/${escape(uid)}/login" id="login-form">
    <label>User <input name="login" id="login" autocomplete="username"></label>
    <label>Password <input name="password" id="password" type="password" autocomplete="current-password"></label>
    <button type="submit" id="submit">Sign in</button>
  </form>`);

const callback = provider.callback();
const server = http.createServer(async (req, res) => {
  if (req.url === '/favicon.ico') { res.writeHead(204); return res.end(); } // keeps browsers' consoles free of 404s
  const m = /^\/interaction\/([^/?]+)(\/login)?(?:\?|$)/.exec(req.url);
  if (!m) return callback(req, res);
  try {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'consent') {
      // A first-party test client: consent to what it asks for, as an admin-approved client would get.
      const { prompt: { details: missing }, params, session } = details;
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
      const grantId = await grant.save();
      return provider.interactionFinished(req, res, { consent: details.grantId ? {} : { grantId } }, { mergeWithLastSubmission: true });
    }
    if (req.method === 'GET' && !m[2]) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(loginForm(details.uid));
    }
    if (req.method === 'POST' && m[2]) {
      const form = await readForm(req);
      const login = form.get('login');
      if (!Object.hasOwn(users, login) || form.get('password') !== password) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return res.end(loginForm(details.uid, 'Wrong user name or password.'));
      }
      return provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
    }
    res.writeHead(405); res.end();
  } catch (err) {
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end(`interaction failed: ${err.message}`);
  }
});
// The pid of node itself (setsid may fork), for "oidc.sh stop".
if (process.env.OIDC_PID_FILE) fs.writeFileSync(process.env.OIDC_PID_FILE, String(process.pid));
server.listen(port, '127.0.0.1', () => console.log(`oidc: listening on ${issuer}`));
