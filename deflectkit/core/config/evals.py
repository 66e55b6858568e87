"""Evaluation settings (DEFLECT_EVAL_*), one area of deflectkit.core.config.Settings."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


class EvalSettings(BaseModel):
    eval_datasets_dir: Path | None = Field(
        None, description="Folder of shared labeled datasets (holds emanual_samsung_tv/). "
        "Default: <repo>/../shared/datasets.")
    eval_fetch_k: int = Field(
        50, ge=10, description="Chunks fetched per query, so that at least 10 distinct documents can be ranked.")
    eval_bootstrap_samples: int = Field(
        1000, ge=100, description="Paired bootstrap resamples used by `deflect eval compare`.")
    eval_seed: int = Field(13, description="Seed of the bootstrap resampling (same runs -> same intervals).")


def eval_options(settings) -> EvalSettings:
    """The eval fields of `settings`, defaults for any it lacks (before the mixin is composed)."""
    return EvalSettings(**{k: getattr(settings, k) for k in EvalSettings.model_fields if hasattr(settings, k)})
