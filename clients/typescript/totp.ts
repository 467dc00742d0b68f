// RFC 4226 HOTP and RFC 6238 TOTP with node:crypto alone: a second implementation,
// independent of the server's pyotp, so the flow also checks that the two agree.
import { createHmac } from "node:crypto";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
export const STEP_SECONDS = 30;
const DIGITS = 6;

/** RFC 4648 base32, case-insensitive, padding optional. */
export function base32Decode(text: string): Buffer {
  const clean = text.replace(/=+$/, "").toUpperCase();
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of clean) {
    const index = BASE32.indexOf(char);
    if (index < 0) throw new Error(`not base32: ${JSON.stringify(char)}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

/** RFC 4226 §5.3: HMAC-SHA1 over the 8-byte big-endian counter, dynamic truncation. */
export function hotp(key: Buffer, counter: number): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac("sha1", key).update(message).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** DIGITS).padStart(DIGITS, "0");
}

export function currentStep(now: number = Date.now()): number {
  return Math.floor(now / 1000 / STEP_SECONDS);
}

/**
 * An authenticator app that never offers a step twice. The server accepts a code of
 * steps t-1, t and t+1 once each and never one at or before the last accepted step,
 * so codes are handed out in rising order from t-1; past t+1 it waits for the clock.
 */
export class Authenticator {
  private readonly key: Buffer;
  private lastStep = Number.NEGATIVE_INFINITY;

  constructor(secret: string) {
    this.key = base32Decode(secret);
  }

  codeAt(step: number): string {
    return hotp(this.key, step);
  }

  async next(): Promise<string> {
    for (;;) {
      const now = currentStep();
      const step = Math.max(this.lastStep + 1, now - 1);
      if (step <= now + 1) {
        this.lastStep = step;
        return this.codeAt(step);
      }
      const wait = (now + 1) * STEP_SECONDS * 1000 - Date.now() + 50;
      console.log(`     (waiting ${(wait / 1000).toFixed(1)} s for a fresh TOTP step)`);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /** Six digits that are no code of any step the server would accept now. */
  wrongCode(): string {
    const now = currentStep();
    const valid = new Set([now - 1, now, now + 1, now + 2].map((step) => this.codeAt(step)));
    for (let candidate = Number(this.codeAt(now)); ; candidate = (candidate + 1) % 10 ** DIGITS) {
      const code = String(candidate).padStart(DIGITS, "0");
      if (!valid.has(code)) return code;
    }
  }
}
