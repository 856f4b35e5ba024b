"""Postmortems: a draft document built from the incident's record, kept as the document of record."""
