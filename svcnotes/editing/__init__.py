"""Editor help for record files: as-you-type diagnostics and completion, and the watch loop.

May import: svcnotes.model, svcnotes.store, svcnotes.checks, svcnotes.workflow. Never click or
svcnotes.cli. The pure functions live in diagnose.py and complete.py; server.py is the only
module that imports pygls (the language server behind `svcnotes lsp`).
"""
