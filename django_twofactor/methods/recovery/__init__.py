"""Recovery codes: ``codes`` makes and stores them, ``method`` spends one once."""
