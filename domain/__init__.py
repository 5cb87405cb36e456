"""Pure domain shared by the app and the sync server.

Imports neither flet nor fastapi nor a database engine: vocabulary, shared sync
schemas, hybrid logical clocks, the merge rule and person matching keys.
"""
