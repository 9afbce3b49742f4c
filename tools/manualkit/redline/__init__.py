"""Redlines between two releases: section text (jieba/character diffs) and data (SLAs, forms).

``manualkit redline 1.0 1.1`` reads both tagged versions with ``git show``, compares them
section by section and writes an HTML redline, a DOCX with real tracked changes and
``changes.json`` (see :mod:`manualkit.redline.cli`, which also holds
``add_redline_parser`` for the CLI).  Kept import-free: :mod:`manualkit.revisions`
uses :mod:`manualkit.redline.sections`.
"""
