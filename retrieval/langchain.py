"""The hybrid searcher as a LangChain `BaseRetriever`, so it plugs into LangChain chains.

Our own code calls `HybridSearcher.search` and gets typed `Hit`s; this adapter is for users
who compose LangChain runnables.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from retrieval.models import Filters, SearchMode


class HybridRetriever(BaseRetriever):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    searcher: Any  # retrieval.search.HybridSearcher
    k: int = 5
    mode: SearchMode = "hybrid"
    filters: Filters | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[LCDocument]:
        hits = self.searcher.search(query, k=self.k, mode=self.mode, filters=self.filters)
        return [
            LCDocument(
                id=h.chunk_id,
                page_content=h.text,
                metadata={"doc_id": h.doc_id, "title": h.title, "url": h.url, "source": h.source,
                          "heading_path": h.heading_path, "score": h.score, "rank": h.rank,
                          "bm25_rank": h.scores.bm25_rank, "dense_rank": h.scores.dense_rank,
                          "index_version": h.index_version},
            )
            for h in hits
        ]
