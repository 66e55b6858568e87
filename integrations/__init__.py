"""Help-desk integrations: drafts posted back into the agent's help desk as internal notes.

base.py holds what every help desk shares (note text, tags, retried delivery); handling.py turns one
webhook event into one note (idempotent, PII redacted, failures kept in the outbox of store.py); each help
desk is one small subclass (zendesk/).
"""
