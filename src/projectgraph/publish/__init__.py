"""Publish a validated graph: dumps, dump parts, VoID/DCAT, the manifest and the dist folder, or a
remote store.
"""
