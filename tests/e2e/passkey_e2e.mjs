// Headless Chromium end-to-end: register a passkey on mfad's self-service page with the
// DevTools virtual authenticator, then complete a login challenge with it from the page's
// context, then a usernameless login (discoverable credential). Driven by
// tests/integration/test_webauthn_chromium.py, which starts mfad and passes:
//   BASE (http://localhost:PORT), LINK_PATH (/enroll/<token>), API_KEY, APP, USER, PROFILE_DIR.
// Prints one JSON line: {registered, verify_status, verify, passkey_verify_status, ...}.
import { chromium } from "playwright-core";

const { BASE, LINK_PATH, API_KEY, APP, USER, PROFILE_DIR } = process.env;

async function api(method, path, body) {
  const r = await fetch(BASE + path, {
    method,
    headers: { "Authorization": "Bearer " + API_KEY, "Content-Type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: r.status, json: await r.json() };
}

const context = await chromium.launchPersistentContext(PROFILE_DIR, {
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"],
});
try {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", transport: "internal", hasResidentKey: true,
               hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  await page.goto(BASE + LINK_PATH);
  await page.waitForSelector("#who:not(:empty)");
  await page.fill("#label", "Chromium virtual key");
  await page.click("#register");
  // A selector wait, not waitForFunction: the page's CSP (rightly) forbids eval.
  await page.waitForSelector("body[data-registered], #status.error", { timeout: 20000 });
  const registered = await page.evaluate(() => document.body.dataset.registered || null);
  const status = await page.textContent("#status");
  if (!registered) throw new Error("registration failed on the page: " + status);

  // navigator.credentials.get on mfad's origin, with the daemon's request options as JSON.
  const getAssertion = (publicKey) => page.evaluate(async (pk) => {
    const dec = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
    const enc = (b) => btoa(String.fromCharCode(...new Uint8Array(b))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    pk.challenge = dec(pk.challenge);
    pk.allowCredentials = pk.allowCredentials.map((c) => ({ ...c, id: dec(c.id) }));
    const a = await navigator.credentials.get({ publicKey: pk });
    return { id: a.id, rawId: enc(a.rawId), type: a.type,
             response: { clientDataJSON: enc(a.response.clientDataJSON),
                         authenticatorData: enc(a.response.authenticatorData),
                         signature: enc(a.response.signature),
                         userHandle: a.response.userHandle ? enc(a.response.userHandle) : null } };
  }, publicKey);

  // A login challenge for the same user.
  const login = await api("POST", `/v1/apps/${APP}/logins`, { user: USER });
  const cid = login.json.challenge.id;
  const opts = await api("GET", `/v1/apps/${APP}/challenges/${cid}/webauthn-options`);
  const verify = await api("POST", `/v1/apps/${APP}/challenges/${cid}/verify`,
                           { assertion: await getAssertion(opts.json.publicKey) });

  // A usernameless login: empty allowCredentials, so the browser picks the discoverable
  // credential the page registered, and the daemon learns the user from it.
  const pl = await api("POST", `/v1/apps/${APP}/passkey-logins`, {});
  const plVerify = await api("POST", `/v1/apps/${APP}/passkey-logins/${pl.json.id}/verify`,
                             { assertion: await getAssertion(pl.json.publicKey) });
  console.log(JSON.stringify({ registered, page_status: status, options_status: opts.status,
                               verify_status: verify.status, verify: verify.json,
                               passkey_login_status: pl.status,
                               passkey_verify_status: plVerify.status,
                               passkey_verify: plVerify.json }));
} finally {
  await context.close();
}
