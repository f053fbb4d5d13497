"""Record kinds, the declared schema, config and the problem shape. No I/O beyond reading config text.

May import: the standard library only.
"""
