"""Run the daemon with the fake estimator in a subprocess: python daemon_runner.py DATA LOG SPF [--once].

``--kill-after-failed-move``: SIGKILL this process right after a failed job's folder is moved to
``failed/``, before the status records it (the window a real kill can hit).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from neuropose.daemon import Interfacer
from neuropose.daemon import _interfacer as interfacer_module
from neuropose.daemon._moves import move_to_unique
from neuropose.schema import DataDirectory, Settings
from support.fake_estimator import FakeEstimator


def _kill_after_move_to_failed(data: Path) -> None:
    failed = DataDirectory(data).failed

    def move_then_die(source: Path, target: Path) -> Path:
        moved = move_to_unique(source, target)
        if target.parent == failed:
            os.kill(os.getpid(), signal.SIGKILL)
        return moved

    # The name the interfacer calls (it imported the function into its own namespace).
    setattr(interfacer_module, "move_to_unique", move_then_die)  # noqa: B010


def main() -> None:
    data, log, seconds_per_frame = Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])
    logging.basicConfig(level=logging.WARNING)
    if "--kill-after-failed-move" in sys.argv:
        _kill_after_move_to_failed(data)
    settings = Settings(
        data_dir=data,
        model_dir=data / "models",
        poll_interval_s=0.05,
        settle_time_s=0.0,
        status_checkpoint_every_frames=8,
    )
    daemon = Interfacer(settings, FakeEstimator(seconds_per_frame, log=log, full_paths=True))
    daemon.install_signal_handlers()
    print("started", flush=True)
    daemon.run(once="--once" in sys.argv)


if __name__ == "__main__":
    main()
