"""UI settings, one area of deflectkit.core.config.Settings (env prefix DEFLECT_)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class UiSettings(BaseModel):
    ui_upload_max_mb: int = Field(
        50,
        gt=0,
        description="Largest file, in MB, the admin page accepts for upload (Streamlit maxUploadSize).",
    )
    ui_replay_limit: int = Field(
        50, gt=0, description="Most interactions one replay on the evaluator page re-runs (newest first)."
    )
