"""The version of the library (pyproject.toml reads it here; ``aasist.__version__`` re-exports it)."""

__version__ = "0.1.0"
