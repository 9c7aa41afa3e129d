"""SPARQL request handling that does not depend on the web framework or the store."""
