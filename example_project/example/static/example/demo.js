// The demo page: the whole two-factor flow through the JSON API, as a real
// client would call it. Tokens live in this closure only (no storage, no
// cookies): reloading the page logs out.
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
  function fail(error, code) {
    const body = error.body || {};
    if (error.status === 0) return say(TEXT.offline);
    if (error.status === 429) return lockOut(error.retryAfter || 60);
    if (error.status === 400 && Array.isArray(body.code) && code) {
      return say(kindOf(code) === "recovery" ? TEXT.wrongRecovery : TEXT.wrongCode);
    }
    if (error.status === 401 && !isChallenge(error)) {
      logOut();
      return say(TEXT.sessionEnded);
    }
    const first = Object.values(body).flat()[0];
    return say(body.detail || (typeof first === "string" ? first : TEXT.other));
  }

  // Steps -------------------------------------------------------------------------

  function logOut() {
    tokens = {};
    for (const input of document.querySelectorAll("input:not(#username)")) input.value = "";
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

  async function showAccount() {
    let me, status;
    try {
      [me, status] = await Promise.all([call(api.me), call(api.status)]);
    } catch (error) {
      return fail(error);
    }
    const left = status.recovery_codes_remaining;
    $("status").textContent = status.enabled
      ? `Two-factor authentication is on. ${left} recovery code${left === 1 ? "" : "s"} left.`
      : "Two-factor authentication is off.";
    $("claim-name").textContent = config.claim;
    showMethods();
    $("me").textContent = JSON.stringify(me, null, 2);
    $("manage-on").hidden = !status.enabled;
    $("manage-off").hidden = status.enabled;
    closeStepUp();
    show("account");
  }

  function showMethods() {
    $("methods").textContent = (claims(tokens.access)[config.claim] || []).join(", ");
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
    $("step-up-submit").disabled = lockedUntil > Date.now();
    $("step-up-code").focus();
  }

  function closeStepUp() {
    $("step-up-form").hidden = true;
    $("step-up-code").value = "";
  }

  // Forms and buttons -----------------------------------------------------------

  // Submit handlers: no double submits, and code buttons stay off while locked.
  function onSubmit(id, handler) {
    $(id).addEventListener("submit", async (event) => {
      event.preventDefault();
      const buttons = event.target.querySelectorAll("button");
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
    });
  }

  const onClick = (id, handler) => $(id).addEventListener("click", handler);

  onSubmit("login-form", async () => {
    const body = { [config.usernameField]: $("username").value, password: $("password").value };
    let data;
    try {
      data = await call(api.login, { method: "POST", body, token: null });
    } catch (error) {
      return error.status === 401 ? say(TEXT.badPassword) : fail(error);
    }
    $("password").value = "";
    if (data.two_factor_required) {
      tokens = { pending: data.pending_token };
      $("login-code").inputMode = "numeric";
      $("use-recovery").hidden = false;
      return show("code");
    }
    tokens = { access: data.access, refresh: data.refresh };
    return startSetup();
  });

  onSubmit("authenticate-form", async () => {
    const code = codeFrom("login-code", true);
    if (!code) return;
    try {
      const data = await call(api.authenticate, {
        method: "POST", body: { code }, token: tokens.pending,
      });
      tokens = { access: data.access, refresh: data.refresh };
    } catch (error) {
      if (error.status !== 401) return fail(error, code);
      logOut(); // the pending token expired (or was never good)
      return say(TEXT.tooLong);
    }
    $("login-code").value = "";
    return showAccount();
  });

  // A form that sends one code to `path`; `done` gets the answer, `refused` the
  // step-up challenge (other errors get the usual messages).
  function codeForm(id, field, allowRecovery, path, done, refused = fail) {
    onSubmit(id, async () => {
      const code = codeFrom(field, allowRecovery);
      if (!code) return;
      let data;
      try {
        data = await call(path, { method: "POST", body: { code } });
      } catch (error) {
        return isChallenge(error) ? refused(error) : fail(error, code);
      }
      $(field).value = "";
      return done(data);
    });
  }

  // Turn-on wants a recent password login too; a refresh does not make one.
  codeForm("turn-on-form", "setup-code", false, api["turn-on"], (data) => {
    tokens = { access: data.access, refresh: data.refresh }; // these carry "mfa"
    forgetSetup();
    showCodes(data.recovery_codes);
  }, () => {
    logOut();
    say(TEXT.signInTooOld);
  });
  codeForm("recovery-codes-form", "recovery-code", false, api["recovery-codes"], (data) =>
    showCodes(data.recovery_codes),
  );
  // Turning 2FA off ends every session of the account, this one too.
  codeForm("turn-off-form", "turn-off-code", true, api["turn-off"], () => {
    logOut();
    note("Two-factor authentication is off, and every session has ended: " +
      "log in again with your password alone.");
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

  onSubmit("step-up-form", async () => {
    const code = codeFrom("step-up-code", true);
    if (!code) return;
    try {
      const data = await call(api.verify, { method: "POST", body: { code } });
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
  });

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
  onClick("setup-cancel", showAccount);
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
  show("login");
})();
