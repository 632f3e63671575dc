"""Run the daemon with the fake estimator in a subprocess: python daemon_runner.py DATA LOG SPF [--once]."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from neuropose.daemon import Interfacer
from neuropose.schema import Settings
from support.fake_estimator import FakeEstimator


def main() -> None:
    data, log, seconds_per_frame = Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])
    logging.basicConfig(level=logging.WARNING)
    settings = Settings(
        data_dir=data,
        model_dir=data / "models",
        poll_interval_s=0.05,
        settle_time_s=0.0,
        status_checkpoint_every_frames=8,
    )
    daemon = Interfacer(settings, FakeEstimator(seconds_per_frame, log=log))
    daemon.install_signal_handlers()
    print("started", flush=True)
    daemon.run(once="--once" in sys.argv)


if __name__ == "__main__":
    main()
