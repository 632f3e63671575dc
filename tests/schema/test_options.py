"""The inference options model: one tree, unique leaf names, helpers derived from it."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field, ValidationError

from neuropose.schema import (
    BlazePoseOptions,
    ConfigError,
    InferenceOptions,
    MetrabsOptions,
    OptionLeaf,
)


def test_leaf_names_are_unique_across_the_tree():
    names = [leaf.name for leaf in InferenceOptions.leaves()]
    assert len(names) == len(set(names)), names


def test_leaves_cover_every_scalar_field_of_every_sub_model():
    paths = {leaf.path for leaf in InferenceOptions.leaves()}
    expected = {
        *(f"metrabs.{name}" for name in MetrabsOptions.model_fields),
        *(f"blazepose.{name}" for name in BlazePoseOptions.model_fields),
        *(n for n in InferenceOptions.model_fields if n not in ("metrabs", "blazepose")),
    }
    assert paths == expected


def test_leaves_carry_default_bounds_and_a_described_unit():
    num_aug = InferenceOptions.leaf("num_aug")
    assert (num_aug.path, num_aug.annotation, num_aug.default) == ("metrabs.num_aug", int, 5)
    assert num_aug.constraints == {"ge": 1, "le": 64}
    assert (num_aug.flag, num_aug.bounds()) == ("--num-aug", "[1, 64]")
    assert InferenceOptions.leaf("fov_degrees").bounds() == "(0, 180)"
    assert InferenceOptions.leaf("max_detections").bounds() == ">= -1"
    assert InferenceOptions.leaf("device").bounds() == ""
    assert "degrees" in InferenceOptions.leaf("fov_degrees").description
    # Descriptions are plain text for help and tables: no reStructuredText literals.
    assert all("``" not in leaf.description for leaf in InferenceOptions.leaves())


def test_defaults_match_the_model():
    options = InferenceOptions()
    for leaf in InferenceOptions.leaves():
        value: object = options
        for part in leaf.path.split("."):
            value = getattr(value, part)
        assert value == leaf.default, leaf.path


def test_blazepose_defaults_suit_a_patient_and_a_clinician():
    assert InferenceOptions().blazepose.num_poses == 2
    with pytest.raises(ValidationError):
        BlazePoseOptions(num_poses=0)


def test_with_overrides_addresses_leaves_by_flat_name():
    options = InferenceOptions().with_overrides({"batch_size": "4", "num_aug": 2, "num_poses": 3})
    assert options.batch_size == 4
    assert options.metrabs.num_aug == 2
    assert options.blazepose.num_poses == 3
    assert options.metrabs.skeleton == "berkeley_mhad_43"
    # The original is frozen and unchanged.
    assert InferenceOptions().batch_size == 8
    with pytest.raises(ValidationError):
        options.batch_size = 1


@pytest.mark.parametrize(
    ("flat", "message"),
    [
        ({"num_aug": 0}, r"num_aug=0: .*greater than or equal to 1 \(allowed: \[1, 64\]\)"),
        ({"fov_degrees": 180}, r"fov_degrees=180: .*less than 180 \(allowed: \(0, 180\)\)"),
        ({"batch_size": "many"}, r"batch_size='many': .*valid integer"),
        ({"colour": "red"}, r"unknown inference option 'colour'; known ones are: model, "),
        ({"model": ""}, r"model='': "),
    ],
)
def test_with_overrides_names_the_bad_key_and_value(flat, message):
    with pytest.raises(ConfigError, match=message):
        InferenceOptions().with_overrides(flat)


def test_a_duplicate_leaf_name_is_refused():
    class Other(BaseModel):
        """Planted duplicate.

        Attributes
        ----------
        batch_size
            Clashes with the top-level option.
        """

        batch_size: int = 1

    class Clashing(InferenceOptions):
        """Options with a clash.

        Attributes
        ----------
        other
            A sub-model reusing a name.
        """

        other: Other = Field(default_factory=Other)

    with pytest.raises(
        TypeError, match=r"'batch_size' is used at batch_size and other\.batch_size"
    ):
        Clashing.leaves()


def test_an_undocumented_option_is_refused():
    class Undocumented(InferenceOptions):
        """Options with a field missing from the Attributes section."""

        smoothing: float = 0.5

    with pytest.raises(TypeError, match=r"Undocumented\.smoothing has no entry"):
        Undocumented.leaves()


def test_a_new_sub_model_becomes_leaves_without_other_changes():
    class TrackingOptions(BaseModel):
        """Wave-2 style backend-independent options.

        Attributes
        ----------
        max_gap_s
            Longest gap bridged in a track, in seconds.
        """

        max_gap_s: float = Field(default=0.5, gt=0)

    class Extended(InferenceOptions):
        """Options with tracking.

        Attributes
        ----------
        tracking
            Tracking options.
        """

        tracking: TrackingOptions = Field(default_factory=TrackingOptions)

    leaf = Extended.leaf("max_gap_s")
    assert leaf == OptionLeaf(
        name="max_gap_s",
        path="tracking.max_gap_s",
        annotation=float,
        default=0.5,
        description="Longest gap bridged in a track, in seconds.",
        constraints={"gt": 0},
    )
    assert Extended().with_overrides({"max_gap_s": 2}).tracking.max_gap_s == 2.0
