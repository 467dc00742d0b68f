// The whole two-factor flow through the client generated from the live schema:
// openapi-typescript's `paths` and openapi-fetch, every request typed, nothing cast.
// Run by `make client-typescript` under clients/live.py (API_URL, API_USERS,
// API_PASSWORD), with clients.flow_settings' 5-second pending token.
import assert from "node:assert/strict";

import createClient from "openapi-fetch";

import type { paths } from "./generated/schema.js";
import { Authenticator, base32Decode, hotp } from "./totp.js";

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this under clients/live.py`);
  return value;
}

const API_URL = env("API_URL");
const PASSWORD = env("API_PASSWORD");
const USERS = env("API_USERS").split(",");
assert.ok(USERS.includes("alice") && USERS.includes("bob"), `users: ${USERS.join(", ")}`);

// Only JSON answers are typed as `data`; the images of generate come through parseAs.
const api = createClient<paths, "application/json">({ baseUrl: API_URL });

function bearer(token: string): { Authorization: string } {
  return { Authorization: `Bearer ${token}` };
}

function step(text: string): void {
  console.log(`ok   ${text}`);
}

/** The answer succeeded with this status: its typed body. */
function ok<D, E>(
  result: { data?: D; error?: E; response: Response },
  status: number,
  what: string,
): D {
  const { data, error, response } = result;
  assert.equal(response.status, status, `${what}: ${response.status} ${JSON.stringify(error)}`);
  assert.ok(data !== undefined, `${what}: no body`);
  return data;
}

/** The answer failed with this status: its typed error body. */
function failed<D, E>(
  result: { data?: D; error?: E; response: Response },
  status: number,
  what: string,
): E {
  const { data, error, response } = result;
  assert.equal(response.status, status, `${what}: ${response.status} ${JSON.stringify(data)}`);
  assert.ok(error !== undefined, `${what}: no error body`);
  return error;
}

/** A 204: no body either way. */
function noContent(result: { error?: unknown; response: Response }, what: string): void {
  const { error, response } = result;
  assert.equal(response.status, 204, `${what}: ${response.status} ${JSON.stringify(error)}`);
}

/** The claims this flow reads, from the JWT's payload (base64url JSON). */
function claims(token: string): { amr: string[]; exp: number } {
  const payload = token.split(".")[1];
  assert.ok(payload, "a JWT has three parts");
  const parsed: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  assert.ok(typeof parsed === "object" && parsed !== null, "the payload is an object");
  const amr: unknown = "amr" in parsed ? parsed.amr : undefined;
  const exp: unknown = "exp" in parsed ? parsed.exp : undefined;
  assert.ok(Array.isArray(amr) && amr.every((v) => typeof v === "string"), "amr: strings");
  assert.ok(typeof exp === "number", "exp: a number");
  return { amr: amr.filter((v): v is string => typeof v === "string"), exp };
}

function at<T>(items: readonly T[], index: number): T {
  const item = items[index];
  assert.ok(item !== undefined, `no item ${index} of ${items.length}`);
  return item;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const RECOVERY_CODE = /^[a-z0-9]{5}-[a-z0-9]{5}$/;

async function login(username: string, deviceToken?: string) {
  const body =
    deviceToken === undefined
      ? { username, password: PASSWORD }
      : { username, password: PASSWORD, device_token: deviceToken };
  return ok(await api.POST("/api/auth/login/", { body }), 200, `login ${username}`);
}

/** Logs in for full tokens: 2FA off, or a live trusted device's token. */
async function loginFull(username: string, deviceToken?: string) {
  const result = await login(username, deviceToken);
  if (result.two_factor_required) assert.fail(`${username}: a pending token, not full tokens`);
  return result;
}

/** Logs in with 2FA on: the pending token. */
async function loginPending(username: string, deviceToken?: string): Promise<string> {
  const result = await login(username, deviceToken);
  if (!result.two_factor_required) assert.fail(`${username}: full tokens, not a pending token`);
  return result.pending_token;
}

/** The second step: the pending token and a code (a TOTP or a recovery code). */
async function authenticate(pendingToken: string, code: string, trustDevice?: string) {
  const body =
    trustDevice === undefined
      ? { code }
      : { code, trust_device: true, device_name: trustDevice };
  return api.POST("/api/auth/2fa/authenticate/", { headers: bearer(pendingToken), body });
}

type SecondStepFailure =
  | { kind: "wrong code"; status: 400; code: string; messages: string[] }
  | { kind: "locked"; status: 429; code: string; retryAfter: number }
  | { kind: "token refused"; status: 401; code: string };

/**
 * Tells the second step's failures apart by the status and the generated error types
 * alone: only the 400's body has `errors` (a wrong code on its `code` field), the 401
 * and the 429 each have their `code`, the 429 its `Retry-After`. No cast.
 */
function secondStepFailure(
  result: Awaited<ReturnType<typeof authenticate>>,
): SecondStepFailure {
  const { error, response } = result;
  assert.ok(error !== undefined, `authenticate succeeded (${response.status})`);
  switch (response.status) {
    case 400:
      assert.ok("errors" in error, `a 400 without errors: ${JSON.stringify(error)}`);
      return {
        kind: "wrong code",
        status: 400,
        code: error.code,
        messages: error.errors.code ?? [],
      };
    case 429:
      return {
        kind: "locked",
        status: 429,
        code: error.code,
        retryAfter: Number(response.headers.get("Retry-After")),
      };
    case 401:
      return { kind: "token refused", status: 401, code: error.code };
    default:
      return assert.fail(`authenticate: ${response.status} ${JSON.stringify(error)}`);
  }
}

/** generate, then turn-on with the app's first code. */
async function enable(access: string) {
  const setup = ok(
    await api.POST("/api/auth/2fa/generate/", { headers: bearer(access) }),
    200,
    "generate",
  );
  const app = new Authenticator(setup.secret);
  const enabled = ok(
    await api.POST("/api/auth/2fa/turn-on/", {
      headers: bearer(access),
      body: { code: await app.next() },
    }),
    200,
    "turn-on",
  );
  return { setup, app, enabled };
}

async function main(): Promise<void> {
  const started = Date.now();
  // RFC 4226 Appendix D and RFC 6238 Appendix B (SHA-1, T = 59 s), on this HOTP.
  const rfcKey = base32Decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  assert.equal(rfcKey.toString("ascii"), "12345678901234567890");
  assert.deepEqual(
    [0, 1, 9].map((counter) => hotp(rfcKey, counter)),
    ["755224", "287082", "520489"],
  );
  assert.equal(hotp(rfcKey, Math.floor(59 / 30)), "287082");
  step("HOTP/TOTP matches RFC 4226 and RFC 6238's test vectors");

  // --- alice, 2FA off ---------------------------------------------------------------
  const first = await loginFull("alice");
  assert.ok(claims(first.access).amr.includes("pwd"));
  step(`login alice (2FA off): full tokens, amr ${JSON.stringify(claims(first.access).amr)}`);

  const refreshed = ok(
    await api.POST("/api/auth/refresh/", { body: { refresh: first.refresh } }),
    200,
    "refresh",
  );
  assert.ok(refreshed.access.length > 0);
  step("refresh: a new access token");

  const off = ok(
    await api.GET("/api/auth/2fa/", { headers: bearer(refreshed.access) }),
    200,
    "status",
  );
  assert.equal(off.enabled, false);
  assert.equal(off.recovery_codes_remaining, 0);
  step(`status: enabled ${off.enabled}`);

  // --- set-up: the QR code as PNG and SVG, then the JSON whose secret is kept --------
  const pngResult = await api.POST("/api/auth/2fa/generate/", {
    headers: bearer(refreshed.access),
    params: { query: { format: "png" } },
    parseAs: "arrayBuffer",
  });
  const png = ok(pngResult, 200, "generate ?format=png");
  assert.equal(pngResult.response.headers.get("Content-Type"), "image/png");
  assert.ok(Buffer.from(png).subarray(0, 8).equals(PNG_SIGNATURE), "a PNG");
  step(`generate ?format=png: ${png.byteLength} bytes of PNG`);

  const pngByAccept = ok(
    await api.POST("/api/auth/2fa/generate/", {
      headers: { ...bearer(refreshed.access), Accept: "image/png" },
      parseAs: "blob",
    }),
    200,
    "generate Accept: image/png",
  );
  assert.equal(pngByAccept.type, "image/png");
  const pngBytes = Buffer.from(await pngByAccept.arrayBuffer());
  assert.ok(pngBytes.subarray(0, 8).equals(PNG_SIGNATURE), "a PNG");
  step(`generate Accept: image/png: a ${pngByAccept.size}-byte blob`);

  const svg = ok(
    await api.POST("/api/auth/2fa/generate/", {
      headers: { ...bearer(refreshed.access), Accept: "image/svg+xml" },
      parseAs: "text",
    }),
    200,
    "generate Accept: image/svg+xml",
  );
  assert.ok(svg.includes("<svg"), "an SVG");
  const svgByQuery = ok(
    await api.POST("/api/auth/2fa/generate/", {
      headers: bearer(refreshed.access),
      params: { query: { format: "svg" } },
      parseAs: "text",
    }),
    200,
    "generate ?format=svg",
  );
  assert.ok(svgByQuery.includes("<svg"), "an SVG");
  step(`generate as SVG (Accept and ?format=svg): ${svg.length} characters`);

  // The same images from the operations with one media type each.
  const pngOp = await api.POST("/api/auth/2fa/generate.png", {
    headers: bearer(refreshed.access),
    parseAs: "arrayBuffer",
  });
  assert.equal(pngOp.response.headers.get("Content-Type"), "image/png");
  const pngOnly = ok(pngOp, 200, "generate.png");
  assert.ok(Buffer.from(pngOnly).subarray(0, 8).equals(PNG_SIGNATURE), "a PNG");
  const svgOnly = ok(
    await api.POST("/api/auth/2fa/generate.svg", {
      headers: bearer(refreshed.access),
      parseAs: "text",
    }),
    200,
    "generate.svg",
  );
  assert.ok(svgOnly.includes("<svg"), "an SVG");
  step(`generate.png and generate.svg: ${pngOnly.byteLength} bytes of PNG, ${svgOnly.length} characters of SVG`);

  // --- turn-on: recovery codes and new tokens; the password-only token is revoked ----
  const { setup, app, enabled } = await enable(refreshed.access);
  assert.match(setup.secret, /^[A-Z2-7]+=*$/);
  assert.ok(setup.otpauth_url.startsWith("otpauth://totp/"));
  assert.ok(setup.qr_code.startsWith("data:image/png;base64,"));
  assert.ok(
    Buffer.from(setup.qr_code.slice("data:image/png;base64,".length), "base64")
      .subarray(0, 8)
      .equals(PNG_SIGNATURE),
  );
  step("generate (JSON): secret, otpauth_url, qr_code data URI");
  const firstCodes = enabled.recovery_codes;
  assert.ok(firstCodes.length > 0 && firstCodes.every((code) => RECOVERY_CODE.test(code)));
  assert.ok(claims(enabled.access).amr.includes("mfa"));
  step(`turn-on: ${firstCodes.length} recovery codes, tokens with amr ${JSON.stringify(claims(enabled.access).amr)}`);

  const revoked = failed(
    await api.GET("/api/auth/2fa/", { headers: bearer(refreshed.access) }),
    401,
    "status with the password-only token",
  );
  assert.equal(revoked.code, "token_revoked");
  step(`the password-only token: 401 ${revoked.code}`);

  // --- the second step: an expired pending token, a wrong code, the right one --------
  const stale = await loginPending("alice");
  // PyJWT refuses a token from the second its `exp` names.
  const waitMs = claims(stale).exp * 1000 + 250 - Date.now();
  step(`login alice (2FA on): a pending token; waiting ${(waitMs / 1000).toFixed(1)} s for it to expire`);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, waitMs)));
  const expired = secondStepFailure(await authenticate(stale, app.wrongCode()));
  assert.deepEqual(expired, { kind: "token refused", status: 401, code: "token_not_valid" });
  step(`authenticate with the expired pending token: 401 ${expired.code}`);

  const pending = await loginPending("alice");
  const wrong = secondStepFailure(await authenticate(pending, app.wrongCode()));
  assert.ok(wrong.kind === "wrong code", JSON.stringify(wrong));
  assert.equal(wrong.code, "invalid_code");
  assert.ok(wrong.messages.length > 0, "the message is on the field code");
  step(`authenticate with a wrong code: 400 ${wrong.code}, errors.code ${JSON.stringify(wrong.messages)}`);

  const full = ok(await authenticate(pending, await app.next()), 200, "authenticate");
  const fullAmr = claims(full.access).amr;
  assert.ok(fullAmr.includes("mfa") && fullAmr.includes("otp"), JSON.stringify(fullAmr));
  assert.equal(full.device_token, undefined, "no device token unless asked for");
  step(`authenticate with the right code: full tokens, amr ${JSON.stringify(fullAmr)}`);

  // --- step-up with a recovery code, the payout, new recovery codes -------------------
  const verified = ok(
    await api.POST("/api/auth/2fa/verify/", {
      headers: bearer(full.access),
      body: { code: at(firstCodes, 0) },
    }),
    200,
    "verify with a recovery code",
  );
  assert.ok(claims(verified.access).amr.includes("mfa"));
  step(`verify with a recovery code: new tokens, amr ${JSON.stringify(claims(verified.access).amr)}`);

  const payout = ok(
    await api.POST("/api/payout/", { headers: bearer(verified.access) }),
    202,
    "payout",
  );
  assert.equal(payout.status, "accepted");
  step(`payout: 202 ${payout.status}`);

  const spent = failed(
    await api.POST("/api/auth/2fa/verify/", {
      headers: bearer(verified.access),
      body: { code: at(firstCodes, 0) },
    }),
    400,
    "verify with a spent recovery code",
  );
  assert.equal(spent.code, "invalid_code");
  step(`verify with the same recovery code again: 400 ${spent.code}`);

  const renewed = ok(
    await api.POST("/api/auth/2fa/recovery-codes/", {
      headers: bearer(verified.access),
      body: { code: await app.next() },
    }),
    200,
    "recovery-codes",
  );
  const codes = renewed.recovery_codes;
  assert.equal(codes.length, firstCodes.length);
  assert.ok(codes.every((code) => RECOVERY_CODE.test(code) && !firstCodes.includes(code)));
  step(`recovery-codes with a later step's TOTP code: ${codes.length} new codes`);

  const on = ok(await api.GET("/api/auth/2fa/", { headers: bearer(verified.access) }), 200, "status");
  assert.equal(on.enabled, true);
  assert.equal(on.recovery_codes_remaining, codes.length);
  assert.ok(on.methods.includes("totp"));
  step(`status: enabled ${on.enabled}, ${on.recovery_codes_remaining} recovery codes, methods ${JSON.stringify(on.methods)}`);

  // --- bob: wrong codes until the lock ------------------------------------------------
  const bob = await loginFull("bob");
  const { app: bobApp } = await enable(bob.access);
  const bobPending = await loginPending("bob");
  let failure: SecondStepFailure;
  let wrongCodes = 0;
  for (;;) {
    failure = secondStepFailure(await authenticate(bobPending, bobApp.wrongCode()));
    if (failure.kind !== "wrong code") break;
    assert.equal(failure.code, "invalid_code");
    wrongCodes += 1;
    assert.ok(wrongCodes < 10, "no lock after 10 wrong codes");
  }
  assert.ok(failure.kind === "locked", JSON.stringify(failure));
  assert.equal(failure.code, "two_factor_locked");
  assert.ok(Number.isInteger(failure.retryAfter) && failure.retryAfter > 0, `${failure.retryAfter}`);
  step(`bob: ${wrongCodes} wrong codes answered 400, then 429 ${failure.code}, Retry-After ${failure.retryAfter} s`);
  const right = secondStepFailure(await authenticate(bobPending, await bobApp.next()));
  assert.ok(right.kind === "locked" && right.code === "two_factor_locked", JSON.stringify(right));
  step(`bob's right code while locked: 429 ${right.code} too`);

  // --- no token ----------------------------------------------------------------------
  const anonymous = failed(await api.GET("/api/auth/2fa/"), 401, "status with no token");
  assert.equal(anonymous.code, "not_authenticated");
  step(`status with no token: 401 ${anonymous.code}`);

  // --- trusted devices ---------------------------------------------------------------
  const trusting = ok(
    await authenticate(await loginPending("alice"), at(codes, 0), "flow.ts"),
    200,
    "authenticate with trust_device",
  );
  const deviceToken = trusting.device_token;
  assert.ok(deviceToken !== undefined && deviceToken.length > 0, "a device token");
  step("authenticate (a recovery code) with trust_device: a device_token");

  const byDevice = await loginFull("alice", deviceToken);
  const deviceAmr = claims(byDevice.access).amr;
  assert.ok(deviceAmr.includes("trusted_device") && !deviceAmr.includes("otp"), JSON.stringify(deviceAmr));
  step(`login with the device_token: full tokens at once, amr ${JSON.stringify(deviceAmr)}`);

  const devices = ok(
    await api.GET("/api/auth/2fa/devices/", { headers: bearer(trusting.access) }),
    200,
    "devices",
  );
  assert.equal(devices.length, 1);
  const device = at(devices, 0);
  assert.equal(device.name, "flow.ts");
  step(`devices: ${devices.length} (${device.name}, expires ${device.expires_at})`);

  noContent(
    await api.DELETE("/api/auth/2fa/devices/{id}/", {
      headers: bearer(trusting.access),
      params: { path: { id: device.id } },
    }),
    "forget the device",
  );
  await loginPending("alice", deviceToken);
  step("forget the device: 204; its token no longer skips the code");

  // --- turn-off, logout ---------------------------------------------------------------
  noContent(
    await api.POST("/api/auth/2fa/turn-off/", {
      headers: bearer(trusting.access),
      body: { code: at(codes, 1) },
    }),
    "turn-off",
  );
  step("turn-off with a recovery code: 204");

  const last = await loginFull("alice");
  noContent(
    await api.POST("/api/auth/logout/", { body: { refresh: last.refresh } }),
    "logout",
  );
  const afterLogout = failed(
    await api.POST("/api/auth/refresh/", { body: { refresh: last.refresh } }),
    401,
    "refresh after logout",
  );
  step(`logout: 204; the refresh token then gets 401 ${afterLogout.code}`);

  console.log(`the whole flow passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

await main();
