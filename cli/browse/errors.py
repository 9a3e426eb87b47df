"""Failures talking to the workspace, in words a person can act on."""

from __future__ import annotations


def in_words(err: BaseException) -> str:
    """What went wrong and what to do, for the page (never a traceback)."""
    from databricks.sdk.errors import NotFound, PermissionDenied, Unauthenticated
    from databricks.sdk.errors.base import DatabricksError

    text = str(err).strip() or type(err).__name__
    if isinstance(err, Unauthenticated):
        return (
            f"The workspace did not accept the credentials (401): {text}. "
            "Check DATABRICKS_TOKEN or the profile."
        )
    if isinstance(err, PermissionDenied):
        return (
            f"The workspace refused access (403): {text}. "
            "Ask for read access or use another identity."
        )
    if isinstance(err, NotFound):
        return f"Not found in the workspace (404): {text}"
    if isinstance(err, ValueError) and ("auth" in text.lower() or "host" in text.lower()):
        # databricks-sdk raises ValueError for missing or unusable configuration.
        return f"No usable Databricks credentials: {text}"
    if isinstance(err, DatabricksError):
        return f"The workspace answered with an error: {text}"
    if isinstance(err, (ConnectionError, OSError, TimeoutError)) or "connect" in text.lower():
        return f"The workspace cannot be reached: {text}. Is the host right and the workspace up?"
    return f"Unexpected error: {type(err).__name__}: {text}"
