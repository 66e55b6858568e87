"""Retrieval: embeddings, vector and BM25 indexes, fusion, and versioned hybrid search."""
