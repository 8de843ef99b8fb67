"""archiver: a personal web archive in one SQLite file."""

__version__ = "0.1.0"
