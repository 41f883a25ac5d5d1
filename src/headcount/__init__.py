"""Headcount: an electronic population census that protects personal information."""

__all__ = ["__version__"]

__version__ = "0.1.0"
