"""RDF terms, vocabularies and prefixes, formats, content negotiation and serialisation: the layer
every other one reads and writes through.
"""
