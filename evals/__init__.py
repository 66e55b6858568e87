"""Evaluation harness: datasets, retrieval and answer metrics, recorded runs, comparisons, reports.

Every dataset goes through the real ingest pipeline into its own data dir, so a run measures
exactly what users would get from the same settings.
"""
