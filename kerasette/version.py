"""kerasette's version (``kerasette.__version__``), importable from any floor of the API."""

__version__ = "0.1.0.dev0"
