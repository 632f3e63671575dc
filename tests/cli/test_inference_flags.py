"""Inference flags are derived from the options model: one per leaf, on every model command."""

from __future__ import annotations

from typing import Any

import pytest
import typer
import typer.core
from pydantic import BaseModel, Field
from typer.testing import CliRunner

from neuropose.cli import _estimator_commands
from neuropose.cli._app import app, main
from neuropose.cli._inference_flags import inference_flags
from neuropose.schema import InferenceOptions, NeuroPoseError
from support.videos import write_video

MODEL_COMMANDS = ("process", "benchmark", "watch")


def _options_of(command_name: str) -> dict[str, Any]:
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    command = group.commands[command_name]
    return {option: param for param in command.params for option in param.opts}


@pytest.mark.parametrize("command_name", MODEL_COMMANDS)
def test_every_option_has_a_flag_with_its_description_and_bounds(command_name):
    flags = _options_of(command_name)
    for leaf in InferenceOptions.leaves():
        assert leaf.flag in flags, f"{command_name} lacks {leaf.flag}"
        text = flags[leaf.flag].help
        assert leaf.description in text
        assert leaf.bounds() in text
        assert f"Default {leaf.default if leaf.default != '' else 'empty'}" in text


class _RecordedError(NeuroPoseError):
    pass


@pytest.fixture
def recorded(monkeypatch) -> dict[str, Any]:
    """Stop each command where it would load the model, keeping the settings it built."""
    seen: dict[str, Any] = {}

    def build(context, settings):  # the signature of build_estimator
        seen["options"] = settings.inference
        raise _RecordedError("recorded")

    monkeypatch.setattr(_estimator_commands, "build_estimator", build)
    return seen


def test_flags_override_the_field_of_the_same_name(tmp_path, monkeypatch, recorded):
    monkeypatch.setenv("NEUROPOSE_NUM_AUG", "2")
    monkeypatch.setenv("NEUROPOSE_BATCH_SIZE", "16")
    video = write_video(tmp_path / "v.mp4", 3)  # inputs are checked before the model loads
    flags = ["--num-aug", "3", "--num-poses", "4", "--skeleton", "smpl_24", "--fov-degrees", "70"]
    assert main(["process", str(video), *flags]) == 3
    options = recorded["options"]
    assert options.metrabs.num_aug == 3  # the flag beats the variable
    assert options.batch_size == 16  # the variable stands where no flag is given
    assert (options.blazepose.num_poses, options.metrabs.skeleton) == (4, "smpl_24")
    assert options.fov_degrees == 70.0


def test_benchmark_and_watch_pass_their_flags_too(tmp_path, monkeypatch, recorded):
    monkeypatch.setenv("NEUROPOSE_DATA_DIR", str(tmp_path / "data"))
    video = tmp_path / "v.mp4"
    video.write_bytes(b"x")
    assert main(["benchmark", str(video), "--max-detections", "1"]) == 3
    assert recorded["options"].metrabs.max_detections == 1
    for folder in ("in", "out", "failed"):
        (tmp_path / "data" / folder).mkdir(parents=True)
    job = tmp_path / "data" / "in" / "job"
    job.mkdir()
    (job / "v.mp4").write_bytes(b"x")
    monkeypatch.setenv("NEUROPOSE_SETTLE_TIME_S", "0")
    assert main(["watch", "--once", "--detector-threshold", "0.9"]) == 1  # the job failed
    assert recorded["options"].metrabs.detector_threshold == 0.9


@pytest.mark.parametrize("command_name", MODEL_COMMANDS)
def test_a_value_out_of_bounds_is_a_usage_error(tmp_path, command_name, capsys):
    arguments = [command_name] + ([] if command_name == "watch" else [str(tmp_path / "v.mp4")])
    assert main([*arguments, "--num-poses", "0"]) == 2
    assert "Invalid value for '--num-poses'" in capsys.readouterr().err


def test_adding_an_option_to_the_model_is_enough_for_its_flag():
    """The wave-2 case: a new options group appears on the command line untouched."""

    class TrackingOptions(BaseModel):
        """Tracking options.

        Attributes
        ----------
        max_gap_s
            Longest gap bridged in a track, in seconds.
        """

        max_gap_s: float = Field(default=0.5, gt=0, le=10)

    class Extended(InferenceOptions):
        """Options with tracking.

        Attributes
        ----------
        tracking
            Tracking options.
        """

        tracking: TrackingOptions = Field(default_factory=TrackingOptions)

    received: dict[str, Any] = {}

    def command(inference: dict[str, Any] | None = None) -> None:
        received.update(inference or {})

    demo = typer.Typer(rich_markup_mode=None)
    demo.command()(inference_flags(command, options=Extended))
    runner = CliRunner()
    shown = " ".join(runner.invoke(demo, ["--help"]).output.split())
    assert "--max-gap-s" in shown
    assert "Longest gap bridged in a track, in seconds. Default 0.5; allowed (0, 10]." in shown
    assert runner.invoke(demo, ["--max-gap-s", "2", "--num-aug", "1"]).exit_code == 0
    assert received == {"max_gap_s": 2.0, "num_aug": 1}
    refused = runner.invoke(demo, ["--max-gap-s", "11"])
    assert refused.exit_code == 2
    assert "(allowed: (0, 10])" in " ".join(refused.output.split())


def test_a_command_without_the_parameter_is_refused():
    def command(batch: int = 1) -> None:
        pass

    with pytest.raises(TypeError, match="needs a parameter named 'inference'"):
        inference_flags(command)
