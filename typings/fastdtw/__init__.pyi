# fastdtw ships no type information; these are the two entry points NeuroPose calls,
# typed from the package's documented signature (fastdtw 0.3.x).
from collections.abc import Callable
from typing import Any

def fastdtw(
    x: Any,
    y: Any,
    radius: int = 1,
    dist: float | Callable[[Any, Any], float] | None = None,
) -> tuple[float, list[tuple[int, int]]]: ...
def dtw(
    x: Any,
    y: Any,
    dist: float | Callable[[Any, Any], float] | None = None,
) -> tuple[float, list[tuple[int, int]]]: ...
