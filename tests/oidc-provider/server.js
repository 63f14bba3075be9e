// A real OpenID provider (the oidc-provider package) for Kith's OpenID Connect tests.
//
//   node server.js [PORT]      (0 or nothing: a free port)
//
// Prints "listening on http://127.0.0.1:PORT" once it accepts requests; stops on SIGTERM or SIGINT, or when its
// standard input closes (so it never outlives the test process that started it).
//
// One static client, "kith" with secret "kith-test-secret", registered as a native application so that Kith's
// redirect URI http://127.0.0.1:ANY-PORT/signin-oidc is accepted (RFC 8252 loopback redirects).
// The login page asks for an account name (no password) and has a "second factor" box: ticked, the ID token's
// amr says ["pwd", "otp"], otherwise ["pwd"].
import http from 'node:http';

// oidc-provider 9 needs URL.parse (node 20.18 and later). Exit code 3 tells the test fixture to skip, not fail.
if (typeof URL.parse !== 'function') {
  console.error(`The test OpenID provider needs Node.js 20.18 or later; this is ${process.version}.`);
  process.exit(3);
}
const { default: Provider } = await import('oidc-provider');

// The test accounts. Kith's tests refer to them by name.
const accounts = {
  ada: { email: 'ada@example.com', email_verified: true, name: 'Ada Lovelace' },
  ben: { email: 'ben@example.com', email_verified: false, name: 'Ben Unverified' },
  cy: { email: 'cy@example.com', email_verified: true, name: 'Cy Admin' },
  dee: { email: 'dee@example.com', email_verified: true, name: 'Dee Disabled' },
  eve: { email: 'eve@example.com', email_verified: true, name: 'Eve Newcomer' },
};

const port = Number(process.argv[2] ?? process.env.PORT ?? 0);
const server = http.createServer();
await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'kith',
    client_secret: 'kith-test-secret',
    application_type: 'native',
    redirect_uris: ['http://127.0.0.1/signin-oidc', 'http://localhost/signin-oidc'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  pkce: { required: () => true },
  // amr belongs to the openid scope here, so that every ID token says how the person signed in.
  claims: { openid: ['sub', 'amr'], email: ['email', 'email_verified'], profile: ['name'] },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...account }) };
  },
  cookies: { keys: ['kith-test-provider-cookie-key'] },
});

const page = (body) => `<!doctype html><html><head><meta charset="utf-8"><title>Test provider</title></head><body>${body}</body></html>`;

async function readForm(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  return new URLSearchParams(text);
}

// Kith is a first-party client here: whatever it asks for is granted, without a consent page.
async function consent(req, res, details) {
  const { prompt: { details: missing }, params, session: { accountId } } = details;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId: params.client_id });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { consent: details.grantId ? {} : { grantId } }, { mergeWithLastSubmission: true });
}

const callback = provider.callback();
server.on('request', async (req, res) => {
  const match = /^\/interaction\/([\w-]+)(\/login)?$/.exec(req.url.split('?')[0]);
  if (!match) return callback(req, res);
  try {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'consent') return await consent(req, res, details);
    if (req.method === 'GET') {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      return res.end(page(`<h1>Test provider: sign in</h1>
<form method="post" action="/interaction/${details.uid}/login">
  <label>Account <input name="login" autofocus data-test="provider-login"></label>
  <label><input type="checkbox" name="mfa" value="1" data-test="provider-mfa"> Second factor</label>
  <button type="submit" data-test="provider-submit">Sign in</button>
</form>`));
    }
    const form = await readForm(req);
    const login = (form.get('login') ?? '').trim();
    if (!accounts[login]) {
      res.statusCode = 400;
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      return res.end(page('<p>Unknown test account.</p>'));
    }
    const amr = form.get('mfa') ? ['pwd', 'otp'] : ['pwd'];
    return provider.interactionFinished(req, res, { login: { accountId: login, amr } }, { mergeWithLastSubmission: false });
  } catch (error) {
    res.statusCode = 500;
    res.end(String(error));
  }
});

console.log(`listening on ${issuer}`);

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
