"""The department's procedure: state machine as data, calendar and deadlines, approvals, callbacks.

May import: svcnotes.model, svcnotes.store, svcnotes.checks. Never history/reports/site/cli or click.
"""

from svcnotes.store.repository import register_write_check
from svcnotes.workflow.validation import write_problems

# Every write (store create/update/create_many) first runs validate's rules on what it writes.
register_write_check(write_problems)
