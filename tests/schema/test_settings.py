from pathlib import Path

import pytest

from neuropose.schema import ConfigError, Settings


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
    assert settings.batch_size == 16
    assert settings.num_aug == 3
    assert settings.model_dir == Path("/models")
    assert settings.skeleton == "berkeley_mhad_43"


def test_no_file_is_discovered_in_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "neuropose.toml").write_text("batch_size = 99\n")
    monkeypatch.chdir(tmp_path)
    assert Settings.load(environ={}).batch_size == 8


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("batch_size = 0\n", r"neuropose\.toml key 'batch_size'"),
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
