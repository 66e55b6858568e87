"""Feedback store: interactions, agent feedback, edits, escalations, flags, users and the audit log.

Pages and CLI share one repository API, `feedback.store.FeedbackStore`. Nothing happens at import time.
"""
