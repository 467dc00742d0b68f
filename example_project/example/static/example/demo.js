// The demo page: the whole two-factor flow through the JSON API, as a real
// client would call it. The access and refresh tokens live in this closure
// only (no storage, no cookies): reloading the page logs out. A trusted
// device's token is the one thing kept in the browser's storage (below).
"use strict";

(() => {
  const config = JSON.parse(document.getElementById("demo-config").textContent);
  const api = config.api;
  const $ = (id) => document.getElementById(id);
  let tokens = {}; // {pending} between the two steps, {access, refresh} after
  let lockedUntil = 0;
  let lockTimer = null;
  // RFC 9470's challenge: a 401 that no refresh answers, only a code again.
  const CHALLENGE = "insufficient_user_authentication";
  // Security keys (WebAuthn) where the browser has them and the server routes
  // them; usable only on a host within the relying party ID: a key answers no
  // other page, so elsewhere the page says where to go instead.
  const keysSupported = "PublicKeyCredential" in window && "webauthn-keys" in api &&
    typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function";
  const host = location.hostname;
  const keysHere = keysSupported && (host === config.rpId || host.endsWith(`.${config.rpId}`));
  let methods = []; // the account's methods ("totp", "webauthn"), from `2fa/`
  let keys = []; // the account's security keys, from `2fa/webauthn/`
  let devices = []; // the account's trusted devices, from `2fa/devices/`
  let account = ""; // the username that logged in (or is at the code step)

  const TEXT = {
    badPassword: "Wrong username or password.",
    wrongCode: "That code is wrong or was already used — wait for the next one.",
    wrongRecovery: "That recovery code is wrong or was already used.",
    malformed: `Enter the ${config.digits} digits your app shows.`,
    malformedOrRecovery:
      `Enter the ${config.digits} digits your app shows, or a recovery code like abcde-23456.`,
    locked: "Too many wrong codes. Every code is refused until the countdown ends, even a right one.",
    tooLong: "Your sign-in took too long — log in again.",
    sessionEnded: "Your session has ended — log in again.",
    signInTooOld: "Your sign-in is too old to change two-factor settings: log in again.",
    payoutSent: "Payout sent.",
    allOff: "Two-factor authentication is off, and every session has ended: " +
      "log in again with your password alone.",
    keyNotAnswered: "The security key did not answer: it was cancelled, timed out, " +
      "or is not one of this account's keys.",
    keyNotAdded: "No key was added: the request was cancelled or timed out.",
    keyKnown: "This security key is registered to this account already.",
    keyElsewhere: `Security keys work only on a page at ${config.rpId}.`,
    keyFailed: "The browser could not use a security key here.",
    trusted: "This device is trusted: it stood in for the code, so none was asked.",
    nowTrusted: "This device is trusted now: the next log-ins here ask for the password alone.",
    notTrusted: "This server does not remember devices: the next log-in asks for a code again.",
    trustEnded: "This device is no longer trusted (it expired, was forgotten, or the account " +
      "logged out everywhere): enter a code.",
    offline: "The server did not answer. Is it still running?",
    other: "Something went wrong.",
  };

  class ApiError extends Error {
    constructor(status, body, retryAfter) {
      super(`HTTP ${status}`);
      Object.assign(this, { status, body, retryAfter });
    }
  }

  // Messages ------------------------------------------------------------------

  const say = (text) => ($("error").textContent = text);
  const note = (text) => ($("notice").textContent = text);

  function show(name) {
    for (const step of document.querySelectorAll("[data-step]")) {
      step.hidden = step.id !== `step-${name}`;
    }
    say("");
    note("");
    const step = $(`step-${name}`);
    (step.querySelector("[data-autofocus]") || step.querySelector("h2")).focus();
  }

  // The API ---------------------------------------------------------------------

  async function call(path, { method = "GET", body, token = tokens.access, retry = true } = {}) {
    const headers = { Accept: "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      const json = body === undefined ? undefined : JSON.stringify(body);
      response = await fetch(path, { method, headers, body: json, credentials: "omit" });
    } catch {
      throw new ApiError(0, {}, 0);
    }
    const data = response.status === 204 ? {} : await response.json().catch(() => ({}));
    // An expired access token: trade the refresh token for a new one, once. Not
    // for the step-up challenge: the new token keeps the old auth_time.
    const expired = response.status === 401 && data.code !== CHALLENGE;
    if (expired && retry && token && token === tokens.access && (await renew())) {
      return call(path, { method, body, retry: false });
    }
    if (!response.ok) {
      throw new ApiError(response.status, data, Number(response.headers.get("Retry-After")) || 0);
    }
    return data;
  }

  async function renew() {
    if (!tokens.refresh) return false;
    try {
      const body = { refresh: tokens.refresh };
      tokens.access = (await call(api.refresh, { method: "POST", body, token: null })).access;
      return true;
    } catch {
      return false;
    }
  }

  const isChallenge = (error) => error.status === 401 && (error.body || {}).code === CHALLENGE;

  function claims(token) {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part.padEnd(Math.ceil(part.length / 4) * 4, "=")));
  }

  // Codes -----------------------------------------------------------------------

  // The same rules as the server's serializer: digits with spaces inside, or
  // (where allowed) a recovery code whose case, dashes and spaces don't matter.
  function kindOf(value) {
    if (new RegExp(`^[0-9]{${config.digits}}$`).test(value.replace(/ /g, ""))) return "totp";
    if (/^[a-z2-7]{10}$/.test(value.replace(/[- ]/g, "").toLowerCase())) return "recovery";
    return null;
  }

  // The code typed in the field, or null after saying what is wrong with it.
  function codeFrom(id, allowRecovery) {
    const value = $(id).value.trim();
    const kind = kindOf(value);
    if (kind === "totp" || (kind === "recovery" && allowRecovery)) return value;
    say(allowRecovery ? TEXT.malformedOrRecovery : TEXT.malformed);
    $(id).focus();
    return null;
  }

  // A live countdown from Retry-After; code buttons stay off until it ends.
  function lockOut(seconds) {
    lockedUntil = Date.now() + seconds * 1000;
    say(TEXT.locked);
    clearInterval(lockTimer);
    lockTimer = setInterval(tick, 1000);
    tick();
  }

  function tick() {
    const left = Math.max(0, Math.ceil((lockedUntil - Date.now()) / 1000));
    $("countdown-seconds").textContent = left;
    $("countdown-unit").textContent = left === 1 ? "second" : "seconds";
    $("countdown").hidden = left === 0;
    for (const button of document.querySelectorAll("[data-code-submit]")) {
      button.disabled = left > 0;
    }
    if (left === 0) {
      clearInterval(lockTimer);
      if ($("error").textContent === TEXT.locked) say("");
    }
  }

  // A failed call, in plain words. `code` is the code that was sent, if any.
  // What is not an ApiError is the browser refusing a key ceremony. Every error
  // body is {"detail", "code"}: `code` tells the errors apart, `detail` says it
  // (a 400 also lists its messages per field under `errors`, `detail` the first).
  function fail(error, code) {
    if (!(error instanceof ApiError)) return keyFailed(error, false);
    const body = error.body || {};
    if (error.status === 0) return say(TEXT.offline);
    if (error.status === 429) return lockOut(error.retryAfter || 60);
    if (error.status === 400 && body.code === "invalid_code" && code) {
      return say(kindOf(code) === "recovery" ? TEXT.wrongRecovery : TEXT.wrongCode);
    }
    if (error.status === 401 && !isChallenge(error)) {
      logOut();
      return say(TEXT.sessionEnded);
    }
    return say(body.detail || TEXT.other);
  }

  // The browser's DOMException from a key ceremony, in plain words. A cancel,
  // a timeout and a key holding none of the allowed credentials are all one
  // NotAllowedError (on purpose: it tells a page nothing about the key).
  function keyFailed(error, creating) {
    if (creating && error.name === "InvalidStateError") return say(TEXT.keyKnown);
    if (error.name === "NotAllowedError") {
      return say(creating ? TEXT.keyNotAdded : TEXT.keyNotAnswered);
    }
    if (error.name === "SecurityError") return say(TEXT.keyElsewhere);
    return say(TEXT.keyFailed);
  }

  // Security keys -------------------------------------------------------------------

  // A key's signature over a fresh challenge, as `AuthenticationResponseJSON`:
  // the options come with `token` (pending at sign-in, full for a step-up).
  // Throws an ApiError (the options) or the browser's DOMException.
  async function keyAnswer(token) {
    const options = await call(api["webauthn-authenticate-options"], { method: "POST", token });
    const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options);
    return (await navigator.credentials.get({ publicKey })).toJSON();
  }

  // `send({credential})` with a key's answer, or `failed` with why there is none.
  async function withKey(send, failed = fail, token = tokens.access) {
    let credential;
    try {
      credential = await keyAnswer(token);
    } catch (error) {
      return failed(error);
    }
    return send({ credential });
  }

  async function addKey() {
    let data;
    try {
      const options = await call(api["webauthn-register-options"], { method: "POST" });
      const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options);
      let created;
      try {
        created = await navigator.credentials.create({ publicKey });
      } catch (error) {
        return keyFailed(error, true);
      }
      const name = $("key-name").value.trim() || "Security key";
      const body = { credential: created.toJSON(), name };
      data = await call(api["webauthn-register"], { method: "POST", body });
    } catch (error) {
      return isChallenge(error) ? signInTooOld() : fail(error);
    }
    $("key-name").value = "";
    if (data.recovery_codes) {
      // The account's first method: 2FA is on, the tokens of before are void.
      tokens = { access: data.access, refresh: data.refresh };
      forgetSetup();
      return showCodes(data.recovery_codes);
    }
    await showAccount({ stay: true });
    return note(`Security key "${data.name}" added.`);
  }

  // Removing the account's last method turns 2FA off and ends every session,
  // this one too: then the page goes back to log in, as after turn-off.
  async function removeKey(key) {
    const last = keys.length === 1 && !methods.includes("totp");
    try {
      await call(api["webauthn-key"].replace(/0\/$/, `${key.id}/`), { method: "DELETE" });
    } catch (error) {
      return isChallenge(error) ? signInTooOld() : fail(error);
    }
    if (last) {
      logOut();
      return note(TEXT.allOff);
    }
    await showAccount({ stay: true });
    return note(`Security key "${key.name}" removed.`);
  }

  const when = (iso) =>
    new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });

  function showKeys() {
    $("keys").replaceChildren(...keys.map((key) => {
      const item = document.createElement("li");
      const name = Object.assign(document.createElement("strong"), { textContent: key.name });
      const used = key.last_used_at ? `last used ${when(key.last_used_at)}` : "never used";
      const dates = Object.assign(document.createElement("span"), {
        className: "hint", textContent: `added ${when(key.created_at)}, ${used}`,
      });
      const remove = Object.assign(document.createElement("button"), {
        type: "button", className: "link", textContent: "Remove",
      });
      remove.setAttribute("aria-label", `Remove ${key.name}`);
      remove.addEventListener("click", () => busy([remove], () => removeKey(key)));
      item.append(name, " ", dates, " ", remove);
      return item;
    }));
    $("keys").hidden = keys.length === 0;
    // The key buttons beside the code fields, for an account that has a key.
    for (const button of $("step-account").querySelectorAll("[data-key]")) {
      button.hidden = !keysHere || keys.length === 0;
    }
  }

  // Trusted devices ------------------------------------------------------------------

  // The device token must outlive the page: that is what trusting a device
  // means (no code at this browser's next log-ins). So, unlike the access and
  // refresh tokens, it goes to localStorage, one entry per username, with the
  // ID of its row in the device list once the page has seen it. The server
  // keeps only its keyed hash and forgets it on every account event; a token
  // it no longer knows is ignored, and the page then drops it.
  const deviceKey = (username) => `django-twofactor-demo:trusted-device:${username}`;

  function storedDevice(username) {
    try {
      return JSON.parse(localStorage.getItem(deviceKey(username))) || null;
    } catch {
      return null; // storage off (a private window), or not ours
    }
  }

  function storeDevice(username, device) {
    try {
      if (device) localStorage.setItem(deviceKey(username), JSON.stringify(device));
      else localStorage.removeItem(deviceKey(username));
    } catch {
      // storage off: the device is trusted on the server, this page forgets it
    }
  }

  // A short name for the device list ("Chrome on Linux") in place of the
  // whole User-Agent, which the server takes otherwise.
  function deviceName() {
    const agent = navigator.userAgent;
    const find = (pairs) => (pairs.find(([mark]) => agent.includes(mark)) || [])[1];
    const browser = find([["Edg/", "Edge"], ["Firefox/", "Firefox"], ["Chrome/", "Chrome"],
      ["Safari/", "Safari"]]) || "A browser";
    const system = find([["Windows", "Windows"], ["Android", "Android"], ["iPhone", "iOS"],
      ["iPad", "iOS"], ["Mac OS", "macOS"], ["CrOS", "ChromeOS"], ["Linux", "Linux"]]);
    return system ? `${browser} on ${system}` : browser;
  }

  // The authenticate answer does not say which row is the new device: it is
  // the newest of the list that follows it. Remembered, to mark it "this
  // browser" and to drop the token when it is forgotten here.
  function claimNewestDevice() {
    const mine = storedDevice(account);
    if (!mine || mine.id !== null || !devices.length) return;
    storeDevice(account, { ...mine, id: Math.max(...devices.map((device) => device.id)) });
  }

  async function forgetDevice(device) {
    try {
      await call(api.device.replace(/0\/$/, `${device.id}/`), { method: "DELETE" });
    } catch (error) {
      return isChallenge(error) ? signInTooOld() : fail(error);
    }
    const here = storedDevice(account)?.id === device.id;
    if (here) storeDevice(account, null);
    await showAccount({ stay: true });
    return note(here
      ? `"${device.name}" forgotten: this browser will be asked for a code again.`
      : `"${device.name}" forgotten.`);
  }

  function showDevices(enabled) {
    claimNewestDevice();
    const mine = storedDevice(account)?.id;
    $("devices").replaceChildren(...devices.map((device) => {
      const item = document.createElement("li");
      const name = Object.assign(document.createElement("strong"), { textContent: device.name });
      const used = device.last_used_at ? `last used ${when(device.last_used_at)}` : "never used";
      const expires = `expires ${when(device.expires_at)}`;
      const dates = Object.assign(document.createElement("span"), {
        className: "hint", textContent: `added ${when(device.created_at)}, ${used}, ${expires}`,
      });
      const forget = Object.assign(document.createElement("button"), {
        type: "button", className: "link", textContent: "Forget",
      });
      forget.setAttribute("aria-label", `Forget ${device.name}`);
      forget.addEventListener("click", () => busy([forget], () => forgetDevice(device)));
      const here = device.id === mine
        ? [Object.assign(document.createElement("em"), { textContent: "this browser" }), " "]
        : [];
      item.append(name, " ", ...here, dates, " ", forget);
      return item;
    }));
    $("devices").hidden = devices.length === 0;
    $("no-devices").hidden = devices.length > 0;
    $("devices-box").hidden = !enabled;
  }

  // Steps -------------------------------------------------------------------------

  function logOut() {
    tokens = {};
    for (const input of document.querySelectorAll("input:not(#username)")) {
      if (input.type === "checkbox") input.checked = false;
      else input.value = "";
    }
    forgetSetup();
    show("login");
  }

  function forgetSetup() {
    $("qr").removeAttribute("src");
    $("secret").textContent = "";
  }

  async function startSetup() {
    let setup;
    try {
      setup = await call(api.generate, { method: "POST" });
    } catch (error) {
      return fail(error);
    }
    $("qr").src = setup.qr_code;
    $("secret").textContent = setup.secret.match(/.{1,4}/g).join(" ");
    $("otpauth").href = setup.otpauth_url;
    show("setup");
  }

  function showCodes(codes) {
    $("recovery-codes").replaceChildren(
      ...codes.map((code) => Object.assign(document.createElement("li"), { textContent: code })),
    );
    show("recovery");
  }

  function signInTooOld() {
    logOut();
    say(TEXT.signInTooOld);
  }

  // The account step; `stay` refreshes it in place (focus and step-up form kept).
  async function showAccount({ stay = false } = {}) {
    let me, status;
    try {
      [me, status, keys, devices] = await Promise.all([
        call(api.me), call(api.status), keysSupported ? call(api["webauthn-keys"]) : [],
        call(api.devices),
      ]);
    } catch (error) {
      return fail(error);
    }
    methods = status.methods || [];
    const left = status.recovery_codes_remaining;
    $("status").textContent = status.enabled
      ? `Two-factor authentication is on. ${left} recovery code${left === 1 ? "" : "s"} left.`
      : "Two-factor authentication is off.";
    $("claim-name").textContent = config.claim;
    showMethods();
    $("me").textContent = JSON.stringify(me, null, 2);
    $("manage-on").hidden = !status.enabled;
    // Keys alone: an authenticator app can still be added beside them.
    $("manage-off").hidden = methods.includes("totp") || (status.enabled && !methods.length);
    $("start-setup").textContent = status.enabled ? "Add an authenticator app" : "Set up 2FA";
    // New recovery codes take an app's code (never a recovery code): without an
    // app, the key is the only way, so the code field goes.
    const appless = status.enabled && !methods.includes("totp");
    for (const node of document.querySelectorAll("[data-app-only]")) {
      node.hidden = appless;
      if (node.tagName === "INPUT") node.disabled = appless;
    }
    for (const node of document.querySelectorAll("[data-keys-only]")) node.hidden = !appless;
    $("keys-box").hidden = !keysSupported;
    $("add-key-form").hidden = !keysHere;
    showKeys();
    showDevices(status.enabled);
    if (stay) return;
    closeStepUp();
    show("account");
  }

  const methodsOf = (token) => claims(token)[config.claim] || [];

  function showMethods() {
    $("methods").textContent = methodsOf(tokens.access).join(", ");
  }

  // The step-up loop (RFC 9470) ---------------------------------------------------

  // The payout wants a second factor verified in the last few minutes. An older
  // one is the challenge: a code again at `verify`, fresh tokens, one retry.
  const sendPayout = () => call(api.payout, { method: "POST" });

  function askForCode(maxAge) {
    const minutes = Math.max(1, Math.round(maxAge / 60));
    $("step-up-why").textContent = Number.isFinite(minutes)
      ? `A payout needs a code verified in the last ${minutes} minute${minutes === 1 ? "" : "s"}.`
      : "A payout needs a recently verified code.";
    $("step-up-form").hidden = false;
    for (const button of $("step-up-form").querySelectorAll("[data-code-submit]")) {
      button.disabled = lockedUntil > Date.now();
    }
    $("step-up-code").focus();
  }

  function closeStepUp() {
    $("step-up-form").hidden = true;
    $("step-up-code").value = "";
  }

  // Forms and buttons -----------------------------------------------------------

  // No double submits, and code buttons stay off while locked.
  async function busy(buttons, handler) {
    for (const button of buttons) button.disabled = true;
    say("");
    note("");
    try {
      await handler();
    } finally {
      const locked = lockedUntil > Date.now();
      for (const button of buttons) {
        button.disabled = locked && button.hasAttribute("data-code-submit");
      }
    }
  }

  function onSubmit(id, handler) {
    $(id).addEventListener("submit", (event) => {
      event.preventDefault();
      return busy(event.target.querySelectorAll("button"), handler);
    });
  }

  // The form's security-key button (`data-key`), if it has one.
  function onKey(id, handler) {
    const button = $(id).querySelector("[data-key]");
    button?.addEventListener("click", () => busy($(id).querySelectorAll("button"), handler));
  }

  const onClick = (id, handler) => $(id).addEventListener("click", handler);

  // With this browser's device token for the username, if it has one: a live
  // device gets full tokens at once, no code asked.
  onSubmit("login-form", async () => {
    const username = $("username").value;
    const body = { [config.usernameField]: username, password: $("password").value };
    const device = storedDevice(username);
    if (device) body.device_token = device.token;
    let data;
    try {
      data = await call(api.login, { method: "POST", body, token: null });
    } catch (error) {
      return error.status === 401 ? say(TEXT.badPassword) : fail(error);
    }
    $("password").value = "";
    account = username;
    // A token the server ignored is of no use any more: forgotten, expired,
    // or outlived by an account event (log out everywhere, 2FA off, ...).
    const vouched = !data.two_factor_required && methodsOf(data.access).includes("trusted_device");
    if (device && !vouched) storeDevice(username, null);
    if (data.two_factor_required) {
      tokens = { pending: data.pending_token };
      $("login-code").inputMode = "numeric";
      $("use-recovery").hidden = false;
      // The pending token does not say which methods the account has.
      $("authenticate-form").querySelector("[data-key]").hidden = !keysHere;
      show("code");
      return device ? note(TEXT.trustEnded) : undefined;
    }
    tokens = { access: data.access, refresh: data.refresh };
    if (!vouched) return startSetup();
    await showAccount();
    return note(TEXT.trusted);
  });

  function signInFailed(error, code) {
    if (error.status !== 401) return fail(error, code);
    logOut(); // the pending token expired (or was never good)
    return say(TEXT.tooLong);
  }

  // The second step: `{code}` or `{credential}` with the pending token; with
  // "Trust this device" ticked, the answer carries the device token too.
  async function authenticate(body, code) {
    const trust = $("trust-device").checked;
    if (trust) Object.assign(body, { trust_device: true, device_name: deviceName() });
    let data;
    try {
      data = await call(api.authenticate, { method: "POST", body, token: tokens.pending });
      tokens = { access: data.access, refresh: data.refresh };
    } catch (error) {
      return signInFailed(error, code);
    }
    $("login-code").value = "";
    $("trust-device").checked = false;
    if (data.device_token) storeDevice(account, { token: data.device_token, id: null });
    await showAccount();
    if (trust) note(data.device_token ? TEXT.nowTrusted : TEXT.notTrusted);
  }

  onSubmit("authenticate-form", async () => {
    const code = codeFrom("login-code", true);
    if (code) await authenticate({ code }, code);
  });
  onKey("authenticate-form", () => withKey(authenticate, signInFailed, tokens.pending));

  // A form that sends one code (or a key's answer) to `path`; `done` gets the
  // answer, `refused` the step-up challenge (other errors the usual messages).
  function codeForm(id, field, allowRecovery, path, done, refused = fail) {
    async function send(body, code) {
      let data;
      try {
        data = await call(path, { method: "POST", body });
      } catch (error) {
        return isChallenge(error) ? refused(error) : fail(error, code);
      }
      $(field).value = "";
      return done(data);
    }
    onSubmit(id, async () => {
      const code = codeFrom(field, allowRecovery);
      if (code) await send({ code }, code);
    });
    onKey(id, () => withKey(send));
  }

  // Turn-on wants a recent password login too; a refresh does not make one.
  codeForm("turn-on-form", "setup-code", false, api["turn-on"], (data) => {
    tokens = { access: data.access, refresh: data.refresh }; // these carry "mfa"
    forgetSetup();
    showCodes(data.recovery_codes);
  }, signInTooOld);
  codeForm("recovery-codes-form", "recovery-code", false, api["recovery-codes"], (data) =>
    showCodes(data.recovery_codes),
  );
  // Turning 2FA off ends every session of the account, this one too.
  codeForm("turn-off-form", "turn-off-code", true, api["turn-off"], () => {
    logOut();
    note(TEXT.allOff);
  });

  onClick("payout", async () => {
    const button = $("payout");
    button.disabled = true; // no double payouts
    say("");
    note("");
    closeStepUp();
    try {
      await sendPayout();
      note(TEXT.payoutSent);
    } catch (error) {
      if (isChallenge(error)) askForCode(error.body.max_age);
      else fail(error);
    } finally {
      button.disabled = false;
    }
  });

  // `{code}` or `{credential}` at `verify`, then the payout again.
  async function stepUp(body, code) {
    try {
      const data = await call(api.verify, { method: "POST", body });
      tokens = { access: data.access, refresh: data.refresh }; // a fresh auth_time
    } catch (error) {
      return fail(error, code);
    }
    closeStepUp();
    showMethods();
    $("payout").focus(); // the form that had focus is gone
    try {
      await sendPayout(); // once: a second challenge now is not worth a loop
    } catch (error) {
      return fail(error);
    }
    return note(TEXT.payoutSent);
  }

  onSubmit("step-up-form", async () => {
    const code = codeFrom("step-up-code", true);
    if (code) await stepUp({ code }, code);
  });
  onKey("step-up-form", () => withKey(stepUp));
  onSubmit("add-key-form", addKey);

  onClick("step-up-cancel", () => {
    closeStepUp();
    $("payout").focus();
  });

  onClick("use-recovery", () => {
    $("login-code").inputMode = "text"; // a keyboard with letters on phones
    $("use-recovery").hidden = true;
    $("login-code").focus();
  });
  onClick("back-to-login", logOut);
  onClick("setup-cancel", () => showAccount());
  onClick("setup-key", async () => {
    await showAccount();
    $("key-name").focus();
  });
  onClick("start-setup", startSetup);
  onClick("saved", () => {
    $("recovery-codes").replaceChildren();
    showAccount();
  });
  // The refresh token is the proof; the server ends it (or every token).
  async function logOutOnServer(everywhere) {
    const body = { refresh: tokens.refresh, everywhere };
    try {
      await call(api.logout, { method: "POST", body, token: null });
    } catch (error) {
      if (error.status !== 401) return fail(error); // 401: it had ended already
    }
    logOut();
    note(everywhere
      ? "Logged out everywhere: every device must log in again."
      : "Logged out: this session has ended on the server, and this page forgot its tokens.");
  }

  onClick("logout", () => logOutOnServer(false));
  onClick("logout-everywhere", () => logOutOnServer(true));
  $("setup-key").hidden = !keysHere;
  if (keysSupported && !keysHere) {
    const here = `${location.protocol}//${config.rpId}${location.port ? `:${location.port}` : ""}/`;
    Object.assign($("keys-here"), { href: here, textContent: here });
    $("rp-id").textContent = config.rpId;
    $("keys-elsewhere").hidden = false;
  }
  show("login");
})();
