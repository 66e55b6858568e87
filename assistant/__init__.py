"""Assistant: turns a ticket into a grounded, cited draft reply or an escalation."""
