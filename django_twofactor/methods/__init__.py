"""Second-factor methods: one folder each, with the same small shape.

Each method's ``method`` module has:

- ``KIND``: its name in a ``SubmittedCode`` and in the ``code_verified`` signal;
- ``FIELD``: the body field that carries it (``code``, ``credential``), where a
  refusal is reported;
- ``AMR``: the RFC 8176 values every success adds to the token's claim;
- ``begin(user, request)``: what the client needs before it can answer (a
  WebAuthn challenge), or ``None`` (a code needs nothing);
- ``verify(user, value)``: accept the credential exactly once (a conditional
  ``UPDATE``, so concurrent requests and processes agree) and return the
  ``amr`` values this success adds, or ``None`` to refuse it; counting a
  refusal is the flows' job (``services``).

The method's other modules hold the rest: the TOTP algorithm
(``totp.algorithm``), the recovery codes' format and storage
(``recovery.codes``), the WebAuthn ceremonies, challenges and key model
(``webauthn``). The flows in ``django_twofactor.services`` pick a method
with ``for_kind`` and never look inside one. A new method is a new folder
and one line in ``for_kind``.
"""

from __future__ import annotations

from types import ModuleType


def for_kind(kind: str) -> ModuleType:
    """The ``method`` module of the method named ``kind``; ``KeyError`` for none."""
    # Imported here, not at the top: the methods use the user-row state
    # (``attempts``), whose models import the methods' storage modules.
    from .recovery import method as recovery
    from .totp import method as totp
    from .webauthn import method as webauthn

    return {totp.KIND: totp, recovery.KIND: recovery, webauthn.KIND: webauthn}[kind]
