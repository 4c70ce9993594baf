"""`python -m app`: validate the configuration, then serve app.main:app with uvicorn."""

from app.core.config import load_from_environment, load_settings
from app.core.server import ServerLimits, serve
from app.features import FEATURES


def main() -> None:
    settings = load_settings()  # exits with a readable message when the configuration is invalid
    # The features' settings too, so a missing variable stops the start here, not in the lifespan.
    for feature in FEATURES:
        for settings_class in feature.settings:
            load_from_environment(settings_class)
    limits = ServerLimits.from_settings(settings)
    serve("app.main:app", host=settings.host, port=settings.port, limits=limits)


if __name__ == "__main__":
    main()
