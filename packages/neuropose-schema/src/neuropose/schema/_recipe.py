"""Analysis recipes: one TOML file that declares every step of an analysis and its parameters.

A lab repeats one analysis over many sessions. A recipe names the task and, step by step, how
the subject is chosen, whether and how the trajectory is cleaned, which angles are measured,
how repetitions are found, whether gait is measured, what a session is compared with and what
is exported. It is versioned with the lab's study, embedded in every report it produced, and
re-run over a folder of results::

    name = "reaching study"
    version = "2026-01"
    task = "reach"

    [subject]
    person = "auto"

    [cleaning]            # present: clean; absent: analyse the raw trajectory
    cutoff_hz = 6.0

    [angles]
    names = ["elbow_left", "elbow_right"]
    custom = [{ name = "wrist_left", joints = ["lelb", "lwri", "lhan2"] }]

    [segmentation.signal]
    extractor = "joint_angle"
    joints = ["lsho1", "lelb", "lwri"]
    min_period_s = 1.0

    [comparison]
    reference = "reference/healthy.npz"   # relative to this file

    [exports]
    formats = ["csv", "mot"]

Every table and key is optional; an unknown key is an error naming it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, ClassVar, Literal, get_args

from pydantic import Field, ValidationError, field_validator, model_validator

from neuropose.schema._base import PersistedModel, ValueModel
from neuropose.schema._errors import CorruptFileError
from neuropose.schema._guards import is_json_object
from neuropose.schema._quality import CleaningConfig, SubjectConfig, Task
from neuropose.schema._segmentation import SegmentationConfig

__all__ = [
    "REPORT_TASKS",
    "Recipe",
    "RecipeAngle",
    "RecipeAngles",
    "RecipeComparison",
    "RecipeExports",
    "RecipeGait",
    "RecipeOverlay",
    "RecipeSegmentation",
    "RecipeSubject",
    "ReportTask",
    "load_recipe",
]

ReportTask = Literal[Task, "generic"]
"""A clinical task (as cleaning knows them) or ``"generic"`` for any other movement."""

REPORT_TASKS: tuple[str, ...] = get_args(ReportTask)
"""Every :data:`ReportTask`, in the order help texts list them."""


class RecipeSubject(ValueModel):
    """How the subject (the patient) is found among the people in the video.

    Attributes
    ----------
    person
        ``"auto"`` applies the subject rule to the file's tracks (person slot 0 when the file
        carries no track ids); a number is a track id, or a person slot in a file without
        track ids.
    rule
        Parameters of the subject rule used by ``"auto"``.
    """

    person: Literal["auto"] | int = "auto"
    rule: SubjectConfig = Field(default_factory=SubjectConfig)

    @field_validator("person")
    @classmethod
    def _not_negative(cls, person: Literal["auto"] | int) -> Literal["auto"] | int:
        if isinstance(person, int) and person < 0:
            raise ValueError(f"a track id or person slot is >= 0, got {person}")
        return person


class RecipeAngle(ValueModel):
    """An angle at ``joints[1]`` between the bones to ``joints[0]`` and ``joints[2]``, degrees."""

    name: str = Field(min_length=1)
    joints: tuple[str, str, str]


class RecipeAngles(ValueModel):
    """Which joint angles are measured.

    Attributes
    ----------
    names
        Angles the analysis knows for the file's skeleton (``"elbow_left"``, ``"knee_right"``
        ...); empty takes the task's usual set.
    custom
        Further angles by joint names of the skeleton.
    """

    names: tuple[str, ...] = ()
    custom: tuple[RecipeAngle, ...] = ()


class RecipeSegmentation(ValueModel):
    """How repetitions are found.

    Attributes
    ----------
    enabled
        Segment at all.
    signal
        The signal and thresholds; ``None`` takes the task's usual signal. Its ``person``
        is ignored: the subject step decides who is followed.
    """

    enabled: bool = True
    signal: SegmentationConfig | None = None


class RecipeGait(ValueModel):
    """Whether gait is measured: ``None`` measures it for the ``gait`` task only."""

    enabled: bool | None = None


class RecipeComparison(ValueModel):
    """A reference session every analysed session is compared with, by dynamic time warping.

    Attributes
    ----------
    reference
        The reference predictions file; a relative path is relative to the recipe file.
    method
        ``"exact"`` or ``"fastdtw"``.
    window
        Sakoe-Chiba band half-width in frames (exact only); ``None`` for none.
    radius
        fastdtw's radius.
    align
        ``"none"``, ``"root"`` or ``"scale"`` (see ``neuropose.analysis.align_poses``).
    nan_policy
        ``"propagate"``, ``"interpolate"`` or ``"drop"`` for frames without the person.
    """

    reference: str = Field(min_length=1)
    method: Literal["exact", "fastdtw"] = "exact"
    window: int | None = Field(default=None, ge=0)
    radius: int = Field(default=1, ge=0)
    align: Literal["none", "root", "scale"] = "root"
    nan_policy: Literal["propagate", "interpolate", "drop"] = "interpolate"


class RecipeOverlay(ValueModel):
    """The overlay video (skeletons drawn on the input video).

    Attributes
    ----------
    enabled
        Render it when the video is available.
    max_height
        Taller videos are scaled down to this height, pixels (keeps reports small and fast).
    embed_max_mb
        Overlays up to this size are embedded in the HTML page as well as written beside it,
        megabytes.
    """

    enabled: bool = True
    max_height: int = Field(default=720, ge=64)
    embed_max_mb: float = Field(default=10.0, ge=0)


class RecipeExports(ValueModel):
    """Files written beside each report, by export format name (``"csv"``, ``"mot"`` ...)."""

    formats: tuple[str, ...] = ()


class Recipe(PersistedModel):
    """Every step of an analysis and its parameters, as read from a TOML recipe file.

    Attributes
    ----------
    name, version, description
        The lab's own labels for the recipe.
    task
        The clinical task: chooses the usual angles, repetition signal, cleaning cutoff and
        whether gait is measured. ``"sit-to-stand"`` is accepted for ``"sit_to_stand"``.
    subject, cleaning, angles, segmentation, gait, comparison, overlay, exports
        The steps. ``cleaning`` and ``comparison`` are off when absent.
    """

    KIND: ClassVar[str] = "recipe"
    CURRENT_VERSION: ClassVar[int] = 1

    name: str = ""
    version: str = ""
    description: str = ""
    task: ReportTask = "generic"
    subject: RecipeSubject = Field(default_factory=RecipeSubject)
    cleaning: CleaningConfig | None = None
    angles: RecipeAngles = Field(default_factory=RecipeAngles)
    segmentation: RecipeSegmentation = Field(default_factory=RecipeSegmentation)
    gait: RecipeGait = Field(default_factory=RecipeGait)
    comparison: RecipeComparison | None = None
    overlay: RecipeOverlay = Field(default_factory=RecipeOverlay)
    exports: RecipeExports = Field(default_factory=RecipeExports)

    @model_validator(mode="before")
    @classmethod
    def _task_spelling_and_cutoff(cls, data: Any) -> Any:
        if not is_json_object(data):
            return data
        task = data.get("task")
        if isinstance(task, str):
            task = task.replace("-", "_")  # the command line spells it sit-to-stand
            data = {**data, "task": task}
        cleaning = data.get("cleaning")
        # The task picks the low-pass cutoff unless the cleaning table names its own task.
        if is_json_object(cleaning) and "task" not in cleaning and task in get_args(Task):
            data = {**data, "cleaning": {**cleaning, "task": task}}
        return data

    def measures_gait(self) -> bool:
        """Tell whether gait is measured: as ``gait.enabled`` says, else for the gait task."""
        return self.task == "gait" if self.gait.enabled is None else self.gait.enabled


def load_recipe(path: Path | str) -> Recipe:
    """Read and validate a TOML recipe.

    A relative ``comparison.reference`` is resolved against the recipe's folder.

    Parameters
    ----------
    path
        The ``.toml`` file.

    Raises
    ------
    CorruptFileError
        If the file is missing, unreadable, not UTF-8 or not valid TOML.
    SchemaValidationError
        If a key is unknown or a value is wrong; the error names the key
        (``segmentation.signal.min_period_s``).
    UnsupportedSchemaVersionError
        If the recipe declares a ``schema_version`` this package does not read.
    """
    from neuropose.schema._migrations import migrate
    from neuropose.schema.io import validation_error

    source = Path(path)
    try:
        text = source.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise CorruptFileError(source, "does not exist; check the path") from None
    except IsADirectoryError:
        raise CorruptFileError(source, "is a directory, not a recipe file") from None
    except PermissionError:
        raise CorruptFileError(source, "cannot be read: permission denied") from None
    except UnicodeDecodeError as error:
        raise CorruptFileError(source, f"is not UTF-8 text ({error.reason})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CorruptFileError(source, f"is not valid TOML: {error}") from None
    # People write recipes: one without a schema_version is read as the current version.
    if "schema_version" in data:
        data = migrate(data, kind=Recipe.KIND, current=Recipe.CURRENT_VERSION, path=source)
    try:
        recipe = Recipe.model_validate(data)
    except ValidationError as error:
        raise validation_error(error, source) from None
    if recipe.comparison is not None and not Path(recipe.comparison.reference).is_absolute():
        reference = str(source.resolve().parent / recipe.comparison.reference)
        comparison = recipe.comparison.model_copy(update={"reference": reference})
        recipe = recipe.model_copy(update={"comparison": comparison})
    return recipe
