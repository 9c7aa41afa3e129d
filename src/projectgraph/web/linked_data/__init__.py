"""The linked-data site: each IRI's 303, its page and data documents, browse lists, ontology."""
