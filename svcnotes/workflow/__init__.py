"""The department's procedure: state machine as data, calendar and deadlines, approvals, callbacks.

May import: svcnotes.model, svcnotes.store, svcnotes.checks. Never history/reports/site/cli or click.
"""
