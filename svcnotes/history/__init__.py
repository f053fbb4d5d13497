"""History: one pass over git log, field-level diffs, the PR gate, audit, CI set-up files.

May import: svcnotes.model, svcnotes.store, svcnotes.checks, svcnotes.workflow. Never click.
Every git read goes through a fixed, small number of subprocesses (one `git log` for the whole
repository plus one `git cat-file --batch`), never one git call per record.
"""
