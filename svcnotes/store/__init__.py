"""Front matter I/O, encodings, atomic round-trip writes, id allocation, the Repository.

May import: svcnotes.model. Never checks/workflow/cli or click.
"""
