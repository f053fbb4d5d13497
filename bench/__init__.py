"""Benchmarks: synthetic record repositories and timed svcnotes commands (`make bench`)."""
