"""Streamlit app: agent desk, admin and evaluator pages. Logic lives in plain modules; pages only render."""
