from pathlib import Path

import pytest

from neuropose.schema import ConfigError, InferenceOptions, Settings


def test_defaults_follow_xdg(tmp_path):
    settings = Settings.load(environ={"XDG_DATA_HOME": str(tmp_path)})
    assert settings.data_dir == tmp_path / "neuropose" / "jobs"
    assert settings.model_dir == tmp_path / "neuropose" / "models"


def test_defaults_without_xdg_live_in_home(monkeypatch):
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    settings = Settings.load(environ={})
    assert settings.data_dir == Path.home() / ".local/share/neuropose/jobs"


def test_environment_beats_file_and_overrides_beat_both(tmp_path):
    config = tmp_path / "neuropose.toml"
    config.write_text('data_dir = "lab"\nbatch_size = 4\nnum_aug = 2\n')
    settings = Settings.load(
        config,
        environ={"NEUROPOSE_BATCH_SIZE": "16", "NEUROPOSE_MODEL_DIR": "/models"},
        overrides={"num_aug": 3, "skeleton": None},
    )
    assert settings.data_dir == tmp_path / "lab"  # relative to the file, not the cwd
    assert settings.inference.batch_size == 16
    assert settings.inference.metrabs.num_aug == 3
    assert settings.model_dir == Path("/models")
    assert settings.inference.metrabs.skeleton == "berkeley_mhad_43"


def test_no_file_is_discovered_in_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "neuropose.toml").write_text("batch_size = 99\n")
    monkeypatch.chdir(tmp_path)
    assert Settings.load(environ={}).inference.batch_size == 8


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("batch_size = 0\n", r"neuropose\.toml key 'batch_size'"),
        ("[inference.metrabs]\nnum_aug = 0\n", r"key 'inference\.metrabs\.num_aug'"),
        ("[inference]\nnum_aug = 2\n", r"unknown key\(s\) \['inference\.num_aug'\]"),
        ("inference = 3\n", r"'inference' must be a table"),
        ("num_aug = 2\n[inference.metrabs]\nnum_aug = 3\n", "the same setting; keep one"),
        ("colour = 'red'\n", r"unknown key\(s\) \['colour'\].*batch_size"),
        ("batch_size = \n", "not valid TOML"),
    ],
)
def test_bad_config_files_are_named(tmp_path, content, message):
    config = tmp_path / "neuropose.toml"
    config.write_text(content)
    with pytest.raises(ConfigError, match=message):
        Settings.load(config, environ={})


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        Settings.load(tmp_path / "absent.toml", environ={})


def test_bad_environment_variables_are_named():
    with pytest.raises(ConfigError, match="NEUROPOSE_BATCH_SIZE"):
        Settings.load(environ={"NEUROPOSE_BATCH_SIZE": "many"})
    with pytest.raises(ConfigError, match="unknown environment variable NEUROPOSE_DATADIR"):
        Settings.load(environ={"NEUROPOSE_DATADIR": "/x"})


def test_every_inference_option_works_by_flat_name_everywhere(tmp_path):
    """A file key, a variable and an override each reach every leaf of the options tree."""
    config = tmp_path / "neuropose.toml"
    defaults = InferenceOptions()
    for leaf in InferenceOptions.leaves():
        value = _other_valid_value(leaf.name, leaf.default)
        config.write_text(f"{leaf.name} = {_toml(value)}\n")
        by_file = Settings.load(config, environ={}).inference
        by_env = Settings.load(environ={f"NEUROPOSE_{leaf.name.upper()}": str(value)}).inference
        by_option = Settings.load(environ={}, overrides={leaf.name: value}).inference
        expected = defaults.with_overrides({leaf.name: value})
        assert expected != defaults, leaf.name
        assert by_file == by_env == by_option == expected, leaf.name


def test_inference_table_mirrors_the_tree(tmp_path):
    config = tmp_path / "neuropose.toml"
    config.write_text(
        'skeleton = "smpl_24"\n'
        "[inference]\nbatch_size = 2\n"
        "[inference.metrabs]\nnum_aug = 3\n"
        "[inference.blazepose]\nnum_poses = 4\n"
    )
    options = Settings.load(config, environ={}).inference
    assert (options.batch_size, options.metrabs.num_aug) == (2, 3)
    assert (options.metrabs.skeleton, options.blazepose.num_poses) == ("smpl_24", 4)


def test_bad_inference_values_name_their_source(tmp_path):
    with pytest.raises(ConfigError, match="environment variable NEUROPOSE_NUM_POSES"):
        Settings.load(environ={"NEUROPOSE_NUM_POSES": "0"})
    with pytest.raises(ConfigError, match="option --fov-degrees"):
        Settings.load(environ={}, overrides={"fov_degrees": 180})
    with pytest.raises(ConfigError, match="unknown environment variable NEUROPOSE_INFERENCE"):
        Settings.load(environ={"NEUROPOSE_INFERENCE": "x"})
    with pytest.raises(ConfigError, match="unknown setting override 'colour'"):
        Settings.load(environ={}, overrides={"colour": "red"})


def test_no_inference_option_shares_a_name_with_a_setting():
    settings = set(Settings.model_fields) - {"inference"}
    assert not settings & {leaf.name for leaf in InferenceOptions.leaves()}


def _other_valid_value(name: str, default: object) -> object:
    """A value unlike the default that the option accepts (found by trying a few)."""
    if isinstance(default, bool):
        candidates: list[object] = [not default]
    elif isinstance(default, int):
        candidates = [default + 1, default - 1]
    elif isinstance(default, float):
        candidates = [default / 2 if default else 0.5, default + 0.1, default - 0.1]
    else:
        candidates = ["/CPU:0", "other"]
    for value in candidates:
        try:
            InferenceOptions().with_overrides({name: value})
        except ConfigError:
            continue
        if value != default:
            return value
    raise AssertionError(f"no other valid value found for {name}; extend the candidates")


def _toml(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value).lower()
