"""Sphinx builders for the print outputs (PDF, DOCX); each module is its own extension."""
