"""`python -m app.worker`: validate the configuration, then run the worker until SIGTERM/SIGINT.

Exit status 0 after a graceful stop, 2 for invalid configuration (as `python -m app`).
"""

import asyncio
import signal

from app.core.config import Settings, load_from_environment, load_settings
from app.core.logging import configure_logging
from app.features import FEATURES
from app.messaging.settings import MessagingSettings
from app.worker.runner import Worker


async def _run(settings: Settings, messaging: MessagingSettings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await Worker(settings, messaging).run(stop)


def main() -> None:
    settings = load_settings()
    messaging = load_from_environment(MessagingSettings)
    configure_logging(settings.log_level, json_logs=settings.log_json)
    # Process-wide set-up of the features (telemetry), before anything opens a connection.
    for feature in FEATURES:
        if feature.process_setup is not None:
            feature.process_setup("worker")
    asyncio.run(_run(settings, messaging))


if __name__ == "__main__":
    main()
