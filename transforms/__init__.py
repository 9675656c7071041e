"""Pure-Python building blocks of the lakehouse (no Dagster imports): unit-testable alone."""
