"""smstester: check that an SMS app integration on jframework really works."""

__version__ = "0.1.0"
