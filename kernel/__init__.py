"""Value types that storage, config and the domain share: plain frozen dataclasses, no I/O.

This package sits at the bottom of the house: it imports nothing of warroom's, so ``storage``
can return these types without knowing the domain, and the domain can use them without
knowing how they are stored.
"""
