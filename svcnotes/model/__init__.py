"""Record kinds, the declared schema, config and the problem shape. No I/O beyond reading config text.

May import: the standard library only, and svcnotes.i18n (itself standard library only) to render
problem messages in the user's language (model/message.py).
"""
