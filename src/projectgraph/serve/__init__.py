"""Serve a published build: the server process, its registry and build switching, and the local
query command.
"""
