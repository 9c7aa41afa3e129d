"""Figures drawn by the server as SVG, with no scripts, tiles or requests to anyone else: maps
from Eurostat's NUTS outlines (``outlines.json``, written by ``scripts/reference_data.py``) and
bar charts. Each has a title and a text alternative; the page gives its numbers as a table."""
