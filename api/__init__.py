"""The HTTP API (`deflect api`): FastAPI over the same composition root as the CLI and the desk.

Routes are thin: each one calls a `Services` method or a store function that tests also call directly.
"""
