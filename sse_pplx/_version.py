"""The version of sse_pplx, as a literal (no importlib.metadata at run time)."""

__version__ = "0.1.0"
