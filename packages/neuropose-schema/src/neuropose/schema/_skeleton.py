"""Skeleton descriptions: which joints a pose has and how they connect."""

from __future__ import annotations

from pydantic import field_validator, model_validator

from neuropose.schema._base import ValueModel

__all__ = ["Skeleton"]


class Skeleton(ValueModel):
    """The joints of a pose, in the order they appear along the joint axis of every array.

    Attributes
    ----------
    name
        MeTRAbs skeleton name, for example ``"berkeley_mhad_43"`` or ``"smpl_24"``.
    joint_names
        One unique name per joint.
    joint_edges
        Pairs of joint indices that form the bones drawn between joints.
    """

    name: str
    joint_names: tuple[str, ...]
    joint_edges: tuple[tuple[int, int], ...] = ()

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, name: str) -> str:
        if not name.strip():
            raise ValueError("skeleton name must not be empty")
        return name

    @field_validator("joint_names")
    @classmethod
    def _names_unique(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        seen: set[str] = set()
        repeated = sorted({n for n in names if n in seen or seen.add(n)})
        if repeated:
            raise ValueError(f"joint names repeat: {', '.join(repeated)}")
        return names

    @model_validator(mode="after")
    def _edges_in_range(self) -> Skeleton:
        count = len(self.joint_names)
        for a, b in self.joint_edges:
            if not (0 <= a < count and 0 <= b < count) or a == b:
                msg = f"edge ({a}, {b}) does not join two distinct joints of the {count} named"
                raise ValueError(msg)
        return self

    @property
    def joint_count(self) -> int:
        """Number of joints."""
        return len(self.joint_names)

    def index_of(self, joint: str) -> int:
        """Return the position of ``joint`` along the joint axis.

        Raises
        ------
        KeyError
            If the skeleton has no joint of that name; the message lists the names it has.
        """
        try:
            return self.joint_names.index(joint)
        except ValueError:
            msg = (
                f"skeleton '{self.name}' has no joint '{joint}'; "
                f"its joints are: {', '.join(self.joint_names)}"
            )
            raise KeyError(msg) from None
