"""`python -m app`: validate the configuration, then serve app.main:app with uvicorn."""

from app.core.config import load_settings
from app.core.server import serve


def main() -> None:
    settings = load_settings()  # exits with a readable message when the configuration is invalid
    serve("app.main:app", host=settings.host, port=settings.port)


if __name__ == "__main__":
    main()
