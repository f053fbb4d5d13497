"""Import (CSV/XLSX -> planned records) and export of records.

Layered as read (tabular) -> map (mapping, values) -> plan (plan); nothing here writes records:
the CLI hands an ImportPlan to the store.

May import: svcnotes.model, svcnotes.store, svcnotes.workflow, the standard library, openpyxl and
charset-normalizer. Never click.
"""
