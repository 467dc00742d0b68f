// The admin's code page: "Use your security key" answers the WebAuthn challenge
// the page carries (json_script) and posts the answer in the code form's
// "credential" field, where the server checks it as it checks a code.
// A static file, no inline script: a Content-Security-Policy without
// 'unsafe-inline' lets it run. Browsers without the WebAuthn JSON methods
// never see the button; the code field serves them.
"use strict";

(() => {
  const options = document.getElementById("django-twofactor-webauthn-options");
  const section = document.getElementById("django-twofactor-security-key");
  const supported =
    typeof window.PublicKeyCredential === "function" &&
    typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function";
  if (!options || !section || !supported) return;

  const form = section.closest("form");
  const field = form.elements.namedItem("credential");
  const button = section.querySelector("input[type=button]");
  const status = section.querySelector("[role=alert]");
  section.hidden = false;

  button.addEventListener("click", async () => {
    button.disabled = true;
    status.textContent = "";
    status.classList.remove("errornote");
    try {
      const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(
        JSON.parse(options.textContent),
      );
      const credential = await navigator.credentials.get({ publicKey });
      field.value = JSON.stringify(credential.toJSON());
      form.submit(); // not requestSubmit(): the code field may stay empty
    } catch {
      // Cancelled, timed out, no matching key: the challenge is unspent, try again.
      status.textContent = section.dataset.failed;
      status.classList.add("errornote");
      button.disabled = false;
    }
  });
})();
