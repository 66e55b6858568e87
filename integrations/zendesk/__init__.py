"""Zendesk: signed webhooks in (signature.py), internal notes and tags out (adapter.py), the route (routes.py)."""
