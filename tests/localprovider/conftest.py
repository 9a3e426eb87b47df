"""The recording Pulumi mocks of tests/unit, for checks that run the whole program."""

from tests.unit.conftest import program

__all__ = ["program"]
