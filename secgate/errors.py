"""Errors meant for people. The CLI prints one as a single line and exits 2; no traceback."""

from __future__ import annotations


class SecgateError(Exception):
    """Base of every error secgate raises for a user to act on."""


class ConfigError(SecgateError):
    """The configuration (file, key or value) is wrong; the message names file and key path."""


class UsageError(SecgateError):
    """The command line or an API argument is wrong."""


class PluginError(SecgateError):
    """A plugin failed to load, or two plugins registered the same name."""


class ScannerError(SecgateError):
    """A scanner could not do its job (tool missing, crashed, wrote output secgate cannot trust).

    Raise it from :meth:`secgate.Scanner.scan` with a message that says what went wrong and,
    where there is one, how to fix it: it becomes the scanner's ``error`` text in the report.
    """


class ReportError(SecgateError):
    """A saved report cannot be read back (``secgate evaluate``)."""
