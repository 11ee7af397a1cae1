# hardened: every property in its hardened state (redefines nothing)
