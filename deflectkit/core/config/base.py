"""What every settings area shares: the data dir, so an area's paths are typed without Settings."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


class DataDir(BaseModel):
    data_dir: Path = Field(Path("./data"), description="Folder for everything the app writes: Chroma, SQLite catalog, index versions.")
