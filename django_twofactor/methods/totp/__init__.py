"""TOTP (RFC 6238): ``algorithm`` computes and checks codes, ``method`` accepts one once."""
