"""Import (CSV/XLSX -> planned records) and export of records.

Layered as read (tabular) -> map (mapping, values) -> plan (plan) -> apply (importer, which
hands the plan to the store in one commit); export turns reports and registers into CSV/XLSX.

May import: svcnotes.model, svcnotes.store, svcnotes.workflow, svcnotes.reports (export), the
standard library, openpyxl and charset-normalizer. Never click.
"""
