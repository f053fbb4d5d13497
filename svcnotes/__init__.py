"""svcnotes: plain-text customer-service records in Git.

Layers (lower never imports higher): model <- store <- checks <- workflow <- history
<- reports <- site/io <- cli.
"""

__version__ = "0.1.0"
