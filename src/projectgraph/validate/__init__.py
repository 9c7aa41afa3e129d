"""Validate: SHACL over the assembled graph, unit by unit, with reports that name the place in the
source file.
"""
