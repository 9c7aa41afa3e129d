"""Import: turn profile pages and CORDIS-style CSV exports into project records (Turtle files)."""
