"""kowp-site: a Korean mirror of WordPress.org News, built from Markdown in Git."""

__version__ = "0.1.0"
