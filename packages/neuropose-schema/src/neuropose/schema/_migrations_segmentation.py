"""Upgrades of ``segmentation`` files.

A migration is a snapshot of its time: it spells the old and new layouts out and never reads the
current models' defaults, which later versions may change.
"""

from __future__ import annotations

from typing import Any

from neuropose.schema._guards import is_json_object
from neuropose.schema._migrations import register_migration

__all__: list[str] = []

KIND = "segmentation"


@register_migration(KIND, 1)
def _time_based_method(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 to 2: the configuration records the method, and results their diagnostics.

    Version 1 segmented with frame counts derived from the median frame interval and without
    baseline removal, so its configuration becomes ``method_version`` 1 with
    ``baseline_window_s`` None, no minimum height and no padding. The result gains
    ``prominence_threshold`` (not recorded then: None), no measures and no notes.
    """
    config = data.get("config")
    if is_json_object(config):
        config = {
            **config,
            "baseline_window_s": None,
            "min_height": None,
            "pad_s": 0.0,
            "method": "peak_valley",
            "method_version": 1,
        }
    return {
        **data,
        "config": config,
        "prominence_threshold": None,
        "measures": [],
        "notes": [],
        "schema_version": 2,
    }
