"""dlscan: find distribution lists that send personal data to the wrong people."""

__version__ = "0.1.0"
