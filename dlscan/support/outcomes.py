"""Names the command line shares with the layers below it, kept light so that start-up stays fast."""

EXIT_CLEAN = 0
"""No finding at or above --fail-on."""
EXIT_FINDINGS = 1
"""At least one finding at or above --fail-on."""
EXIT_ERROR = 2
"""Bad usage, bad input, or a source that could not be read completely."""
EXIT_INTERNAL = 3
"""A bug in dlscan."""

NEVER = "never"
"""--fail-on never: the exit code does not depend on findings."""
