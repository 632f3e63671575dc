from __future__ import annotations

from pathlib import Path

import pytest

from neuropose.estimator import Estimator, LoadedModel, ModelStore, load_model
from neuropose.schema import CameraIntrinsics, InferenceOptions
from support.models import pack


@pytest.fixture(scope="session")
def standin_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from neuropose.estimator.standin import build_standin_model

    return build_standin_model(tmp_path_factory.mktemp("standin") / "saved_model")


@pytest.fixture(scope="session")
def standin_archive(standin_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return pack(standin_dir, tmp_path_factory.mktemp("archive") / "metrabs_standin.tar.gz")


@pytest.fixture(scope="session")
def loaded_model(standin_archive: Path, tmp_path_factory: pytest.TempPathFactory) -> LoadedModel:
    """Through the real path: import the archive into a store, then load it by name."""
    store = ModelStore(tmp_path_factory.mktemp("models"))
    store.import_path(standin_archive, name="standin")
    return load_model("standin", store, allow_download=False)


@pytest.fixture
def make_estimator(loaded_model: LoadedModel):
    def build(*, intrinsics: CameraIntrinsics | None = None, **options: object) -> Estimator:
        """Options by flat name (``batch_size=1``), over small and fast test defaults."""
        defaults: dict[str, object] = {"skeleton": "smpl_24", "batch_size": 4, "num_aug": 1}
        chosen = InferenceOptions().with_overrides({**defaults, **options})
        return Estimator(loaded_model, chosen, intrinsics=intrinsics)

    return build
