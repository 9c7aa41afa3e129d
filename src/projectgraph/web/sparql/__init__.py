"""The SPARQL 1.1 endpoint at ``/sparql``: protocol, service description, query page."""
