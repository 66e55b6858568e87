"""Ingestion: load, normalise, redact, chunk and dedupe a knowledge base into a versioned index."""
