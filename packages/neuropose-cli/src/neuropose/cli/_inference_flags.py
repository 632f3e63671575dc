"""Command-line flags derived from the inference options: one flag per option, none by hand.

A command that runs a model declares one parameter, ``inference``, and is wrapped with
:func:`inference_flags`. The wrapper shows typer one ``--<option-name>`` flag per leaf of
:class:`~neuropose.schema.InferenceOptions` (help from the option's description, bounds from its
constraints) and hands the command the flags that were given, by flat option name, ready for
``Context.settings(**inference)``. A new option therefore gets its flag on every such command
without anything being written here.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar, cast

import typer

from neuropose.schema import ConfigError, InferenceOptions, OptionLeaf

__all__ = ["INFERENCE_PARAMETER", "inference_flags"]

INFERENCE_PARAMETER = "inference"
"""Name of the parameter through which a wrapped command receives the given flags."""

CommandT = TypeVar("CommandT", bound=Callable[..., Any])


def _help(leaf: OptionLeaf) -> str:
    default = leaf.default if leaf.default != "" else "empty"
    bounds = leaf.bounds()
    return f"{leaf.description} Default {default}" + (f"; allowed {bounds}." if bounds else ".")


def _checker(leaf: OptionLeaf, options: type[InferenceOptions]) -> Callable[[Any], Any]:
    """Validate a flag against its option's constraints, so a bad value is a usage error."""

    def check(value: Any) -> Any:
        if value is None:
            return None
        try:
            options().with_overrides({leaf.name: value})
        except ConfigError as error:
            raise typer.BadParameter(str(error)) from None
        return value

    return check


def _parameter(leaf: OptionLeaf, options: type[InferenceOptions]) -> inspect.Parameter:
    option = typer.Option(
        leaf.flag, help=_help(leaf), callback=_checker(leaf, options), show_default=False
    )
    return inspect.Parameter(
        leaf.name,
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[leaf.annotation | None, option],
    )


def inference_flags(
    command: CommandT, *, options: type[InferenceOptions] = InferenceOptions
) -> CommandT:
    """Give a command one flag per inference option.

    Parameters
    ----------
    command
        A typer command function with a parameter named ``inference`` (see
        ``INFERENCE_PARAMETER``), which receives ``{flat option name: value}`` for the flags
        given on the command line (absent flags are left out).
    options
        The options model whose leaves become flags (a subclass, in tests).

    Returns
    -------
    Callable
        The command with the ``inference`` parameter replaced by the flags, for typer.

    Raises
    ------
    TypeError
        If the command has no ``inference`` parameter or already has a parameter named like an
        option.
    """
    signature = inspect.signature(command, eval_str=True)
    if INFERENCE_PARAMETER not in signature.parameters:
        msg = f"{command.__name__} needs a parameter named {INFERENCE_PARAMETER!r} for the flags"
        raise TypeError(msg)
    leaves = options.leaves()
    clashes = sorted({leaf.name for leaf in leaves} & set(signature.parameters))
    if clashes:
        raise TypeError(f"{command.__name__} already has parameters named {clashes}")
    kept = [p for p in signature.parameters.values() if p.name != INFERENCE_PARAMETER]
    parameters = [*kept, *(_parameter(leaf, options) for leaf in leaves)]

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        given: Mapping[str, Any] = {
            leaf.name: value
            for leaf in leaves
            if (value := kwargs.pop(leaf.name, None)) is not None
        }
        return command(*args, **kwargs, **{INFERENCE_PARAMETER: dict(given)})

    # typer reads the signature (inspect follows __signature__) and the annotations.
    cast(Any, run).__signature__ = signature.replace(parameters=parameters)
    run.__annotations__ = {
        p.name: p.annotation for p in parameters if p.annotation is not inspect.Parameter.empty
    }
    return cast(CommandT, run)
