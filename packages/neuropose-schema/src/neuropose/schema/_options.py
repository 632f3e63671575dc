"""Inference options: the one declaration of every knob that shapes a model run.

:class:`InferenceOptions` is nested in :class:`~neuropose.schema.Settings`, handed whole to the
estimator and recorded whole in a predictions file's provenance. The command line derives one
flag per option from it and the configuration docs derive their table from it, so adding an
option means adding a field here (with its line in the class's ``Attributes`` section) and
nothing else.

Options every backend reads sit at the top level; each backend's own options sit in a
sub-model. Leaf names are unique across the whole tree, so a flat name (``batch_size``,
``num_aug``, ``num_poses``) addresses exactly one option: that is what settings files,
``NEUROPOSE_*`` variables and command-line flags use.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Self

from pydantic import BaseModel, Field, ValidationError

from neuropose.schema._base import ValueModel
from neuropose.schema._errors import ConfigError

__all__ = ["BlazePoseOptions", "InferenceOptions", "MetrabsOptions", "OptionLeaf"]

_BOUND_NAMES = ("gt", "ge", "lt", "le", "min_length", "max_length", "multiple_of")
_SECTION_RULE = re.compile(r"^-{3,}$")
_LITERAL = re.compile(r"``(.+?)``")


@dataclass(frozen=True, slots=True)
class OptionLeaf:
    """One option of :class:`InferenceOptions`, as settings, flags and docs see it.

    Attributes
    ----------
    name
        Flat name, unique across the tree (``"num_aug"``); also the TOML key, the
        ``NEUROPOSE_NUM_AUG`` variable and the ``--num-aug`` flag.
    path
        Dotted location in the tree (``"metrabs.num_aug"``).
    annotation
        The Python type of the value (``int``, ``float``, ``str``).
    default
        Built-in default.
    description
        One-line meaning with units, from the owning class's ``Attributes`` section.
    constraints
        Pydantic bounds of the field by name (``{"ge": 1, "le": 64}``); empty when unbounded.
    """

    name: str
    path: str
    annotation: Any
    default: object
    description: str
    constraints: Mapping[str, Any]

    @property
    def flag(self) -> str:
        """The command-line flag, ``--`` plus the name with dashes (``--num-aug``)."""
        return "--" + self.name.replace("_", "-")

    def bounds(self) -> str:
        """Return the allowed range in interval notation (``[1, 64]``, ``(0, 180)``, ``>= -1``).

        An empty string means the option has no numeric bounds.
        """
        c = self.constraints
        low = ("[", c["ge"]) if "ge" in c else ("(", c["gt"]) if "gt" in c else None
        high = (c["le"], "]") if "le" in c else (c["lt"], ")") if "lt" in c else None
        if low and high:
            return f"{low[0]}{low[1]}, {high[0]}{high[1]}"
        if low:
            return f"{'>=' if low[0] == '[' else '>'} {low[1]}"
        if high:
            return f"{'<=' if high[1] == ']' else '<'} {high[0]}"
        return ""


class MetrabsOptions(ValueModel):
    """Options read only by the MeTRAbs backend.

    Attributes
    ----------
    skeleton
        MeTRAbs skeleton whose joints are reported (``berkeley_mhad_43``, ``smpl_24``, ...).
    num_aug
        Test-time augmentations averaged per detection, a count; cost grows about linearly.
    detector_threshold
        Minimum person-detector confidence, 0 to 1.
    max_detections
        Most people kept per frame, a count; -1 keeps all.
    """

    skeleton: str = Field(default="berkeley_mhad_43", min_length=1)
    num_aug: int = Field(default=5, ge=1, le=64)
    detector_threshold: float = Field(default=0.3, ge=0, le=1)
    max_detections: int = Field(default=-1, ge=-1)


class BlazePoseOptions(ValueModel):
    """Options read only by the BlazePose backend (MediaPipe PoseLandmarker).

    Attributes
    ----------
    num_poses
        Most people tracked per frame, a count (2: a patient and a clinician).
    min_pose_detection_confidence
        Minimum pose-detector score for a new person, 0 to 1.
    min_pose_presence_confidence
        Minimum landmarker presence score to keep a tracked person, 0 to 1.
    min_tracking_confidence
        Minimum score to follow a person into the next frame instead of detecting again, 0 to 1.
    """

    num_poses: int = Field(default=2, ge=1, le=64)
    min_pose_detection_confidence: float = Field(default=0.5, ge=0, le=1)
    min_pose_presence_confidence: float = Field(default=0.5, ge=0, le=1)
    min_tracking_confidence: float = Field(default=0.5, ge=0, le=1)


class InferenceOptions(ValueModel):
    """Every option that shapes the numbers a model produces.

    Attributes
    ----------
    model
        Model to run, which picks the backend: a MeTRAbs variant (``metrabs_l``), a BlazePose
        variant (``blazepose-lite``, ``blazepose-full``, ``blazepose-heavy``), a cached name, or a
        path to a SavedModel folder, ``.tar.gz`` archive or ``.task`` bundle.
    batch_size
        Frames per model call, a count; the last batch of a video is padded to this size.
    device
        Device to run on (``/CPU:0``, ``/GPU:0``); empty picks the first GPU, else the CPU.
        BlazePose runs on the CPU only.
    fov_degrees
        Field of view over the larger image side assumed when a video has no calibration, in
        degrees.
    metrabs
        Options of the MeTRAbs backend (:class:`MetrabsOptions`).
    blazepose
        Options of the BlazePose backend (:class:`BlazePoseOptions`).
    """

    model: str = Field(default="metrabs_l", min_length=1)
    batch_size: int = Field(default=8, ge=1, le=1024)
    device: str = ""
    fov_degrees: float = Field(default=55.0, gt=0, lt=180)
    metrabs: MetrabsOptions = Field(default_factory=MetrabsOptions)
    blazepose: BlazePoseOptions = Field(default_factory=BlazePoseOptions)

    @classmethod
    def leaves(cls) -> tuple[OptionLeaf, ...]:
        """Return every option of the tree, depth first in declaration order.

        Raises
        ------
        TypeError
            If two leaves share a name (flat names would then be ambiguous) or a field lacks
            its line in the ``Attributes`` section.
        """
        return _leaves(cls)

    @classmethod
    def leaf(cls, name: str) -> OptionLeaf:
        """Return the option whose flat name is ``name``.

        Raises
        ------
        ConfigError
            If no option has that name; the message lists the known ones.
        """
        found = _by_name(cls).get(name)
        if found is None:
            known = ", ".join(leaf.name for leaf in cls.leaves())
            raise ConfigError(f"unknown inference option {name!r}; known ones are: {known}")
        return found

    def with_overrides(self, flat: Mapping[str, object]) -> Self:
        """Return a copy with options replaced by flat name, validated.

        Parameters
        ----------
        flat
            New values by flat option name (``{"batch_size": 4, "num_aug": 1}``); strings are
            converted as pydantic does (``"4"`` becomes 4).

        Raises
        ------
        ConfigError
            For an unknown name or a value out of bounds; the message names the option and the
            value.
        """
        tree = self.model_dump()
        for name, value in flat.items():
            *parents, last = self.leaf(name).path.split(".")
            branch = tree
            for part in parents:
                branch = branch[part]
            branch[last] = value
        try:
            return type(self).model_validate(tree)
        except ValidationError as error:
            first = error.errors()[0]
            path = ".".join(str(part) for part in first["loc"])
            name = next((leaf.name for leaf in self.leaves() if leaf.path == path), path)
            value = flat.get(name, first.get("input"))
            bounds = self.leaf(name).bounds() if name in flat else ""
            allowed = f" (allowed: {bounds})" if bounds else ""
            msg = f"invalid inference option {name}={value!r}: {first['msg']}{allowed}"
            raise ConfigError(msg) from None


@cache
def _leaves(model: type[BaseModel]) -> tuple[OptionLeaf, ...]:
    found: list[OptionLeaf] = []
    _collect(model, "", found)
    seen: dict[str, str] = {}
    for leaf in found:
        if leaf.name in seen:
            msg = (
                f"inference option name {leaf.name!r} is used at {seen[leaf.name]} and "
                f"{leaf.path}; leaf names must be unique so a flat name addresses one option"
            )
            raise TypeError(msg)
        seen[leaf.name] = leaf.path
    return tuple(found)


@cache
def _by_name(model: type[BaseModel]) -> dict[str, OptionLeaf]:
    return {leaf.name: leaf for leaf in _leaves(model)}


def _collect(model: type[BaseModel], prefix: str, into: list[OptionLeaf]) -> None:
    described = _attribute_docs(model)
    for name, field in model.model_fields.items():
        path = prefix + name
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            _collect(annotation, path + ".", into)
            continue
        description = described.get(name)
        if not description:
            msg = f"{model.__name__}.{name} has no entry in the class's Attributes section"
            raise TypeError(msg)
        constraints = {
            bound: getattr(item, bound)
            for item in field.metadata
            for bound in _BOUND_NAMES
            if getattr(item, bound, None) is not None
        }
        into.append(
            OptionLeaf(
                name=name,
                path=path,
                annotation=annotation,
                default=field.get_default(call_default_factory=True),
                description=description,
                constraints=constraints,
            )
        )


def _attribute_docs(model: type[BaseModel]) -> dict[str, str]:
    """Read the ``Attributes`` sections of a class and its bases: entry name to one-line text.

    A field is described by the class that declares it; a subclass may redescribe it.
    """
    described: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        described.update(_attributes_section(cls.__dict__.get("__doc__") or ""))
    return described


def _attributes_section(docstring: str) -> dict[str, str]:
    lines = inspect.cleandoc(docstring).splitlines()
    entries: dict[str, list[str]] = {}
    inside = False
    current: list[str] = []
    for index, line in enumerate(lines):
        following = lines[index + 1].strip() if index + 1 < len(lines) else ""
        if _SECTION_RULE.match(following):
            # A section heading: "Attributes" opens ours, any other closes it.
            inside = line.strip() == "Attributes"
            continue
        if not inside or not line.strip() or _SECTION_RULE.match(line.strip()):
            continue
        if line[0].isspace():
            current.append(line.strip())
            continue
        # An entry line, "name" or "name : type" or "a, b" for entries sharing a text.
        current = []
        for name in line.split(":")[0].split(","):
            entries[name.strip()] = current
    # Descriptions feed help text and tables: plain words, no reStructuredText literals.
    return {name: _LITERAL.sub(r"\1", " ".join(text)) for name, text in entries.items()}
