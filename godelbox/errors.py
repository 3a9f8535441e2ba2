"""The one exception family the CLI turns into a one-line message and a non-zero exit.

Raise a `UserError` (or a subclass) for anything the user can fix: bad input, a missing run dir,
a corrupt database. Its message must say what to do next. Anything else is a bug and keeps its
traceback.
"""


class UserError(Exception):
    """A problem the user can act on; `str(err)` is shown as is."""

    exit_code = 2
