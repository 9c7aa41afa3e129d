"""The pipeline that ``projectgraph build`` runs: build -> validate -> publish, with a cache and
worker processes.
"""
