"""Output writers (docutils translators) that are not HTML: the DOCX translator lives in ``docx``."""
