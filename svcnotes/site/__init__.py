"""The static site: a linear build pipeline (collect -> render -> write), charts, i18n, search index.

May import: svcnotes.model, svcnotes.store, svcnotes.checks, svcnotes.workflow, svcnotes.history,
svcnotes.reports, jinja2, markdown, nh3 and the standard library. Never svcnotes.cli or click.

The modules here that need no record store (charts, i18n, forms, context, search) are pure: plain
values in, strings or plain dicts/lists out, so templates receive only plain data.
"""
