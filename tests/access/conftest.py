"""The scenario suite's throwaway installation, reused for real access checks."""

from tests.scenarios.conftest import installation  # noqa: F401
