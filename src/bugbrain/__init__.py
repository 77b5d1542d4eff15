"""bugbrain: self-hosted end-to-end browser testing with failure analysis."""

__version__ = "0.1.0"
