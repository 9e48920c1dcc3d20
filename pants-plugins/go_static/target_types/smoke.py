"""The `go_static_smoke_test` target: run a go_static_binary alone in an empty root."""

from __future__ import annotations

import re

from pants.core.goals.test import TestTimeoutField
from pants.engine.addresses import Address
from pants.engine.target import (
    COMMON_TARGET_FIELDS,
    AsyncFieldMixin,
    Dependencies,
    DictStringToStringField,
    IntField,
    InvalidFieldException,
    StringField,
    StringSequenceField,
    Target,
)
from pants.util.strutil import help_text


class SmokeBinaryField(StringField, AsyncFieldMixin):
    alias = "binary"
    required = True
    help = help_text(
        """
        The address of the go_static_binary to run, e.g. `":server"` or
        `"src/go:server@goarch=arm64"` for one variant of a parametrized target.

        It is built and post-link-checked first; a binary that fails the check is not run.
        """
    )


class SmokeArgsField(StringSequenceField):
    alias = "args"
    default = ()
    help = "The binary's arguments (after argv[0])."


class _RegexField(StringField):
    """A Python regular expression, checked when the BUILD file is read."""

    @classmethod
    def compute_value(cls, raw_value: str | None, address: Address) -> str | None:
        value = super().compute_value(raw_value, address)
        if value is not None:
            try:
                re.compile(value)
            except re.error as e:
                raise InvalidFieldException(
                    f"The `{cls.alias}` field of {address} is not a valid Python regular "
                    f"expression: {e} (in {value!r}). Escape regex characters meant literally, "
                    r"e.g. r\"6\*7=42\"."
                )
        return value


class SmokeExpectedStdoutField(_RegexField):
    alias = "expected_stdout"
    help = help_text(
        """
        A Python regular expression that must be found (`re.search`) in the binary's stdout.

        Unset means stdout is not checked.
        """
    )


class SmokeExpectedStderrField(_RegexField):
    alias = "expected_stderr"
    help = help_text(
        """
        A Python regular expression that must be found (`re.search`) in the binary's stderr,
        for programs that print their version or usage there.

        Unset means stderr is not checked.
        """
    )


class SmokeExpectedExitCodeField(IntField):
    alias = "expected_exit_code"
    default = 0
    help = "The exit code the binary must return."


class SmokeTimeoutField(TestTimeoutField):
    default = 30
    help = help_text(
        """
        Seconds the binary may run before it is killed and the test fails (default 30).

        `[test].timeout_maximum` caps it; `--no-test-timeouts` turns it off.
        """
    )


class SmokeEnvField(DictStringToStringField):
    alias = "env"
    help = help_text(
        """
        The binary's whole environment inside the empty root, e.g. `{"USER": "app"}`.

        Nothing is inherited from the host. For a foreign arch, qemu-user sees it too.
        """
    )


class SmokeDependenciesField(Dependencies):
    pass


# Area: CPU levels.
_CPU_MODEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class SmokeCpuField(StringField):
    alias = "cpu"
    default = None
    help = help_text(
        """
        Run the binary under `qemu-<arch>-static -cpu <model>`, e.g. "Haswell" (x86-64-v3) or
        "qemu64" (v1): proof that a `goamd64`/`goarm64` binary runs on the CPUs it is built for.

        The model is qemu's name (`qemu-x86_64-static -cpu help` lists them). Without it a
        binary for the host's arch runs natively. When the model lacks the binary's level, Go's
        runtime prints that it can't run there and exits 1, and the failure says so.
        """
    )

    @classmethod
    def compute_value(cls, raw_value: str | None, address: Address) -> str | None:
        value = super().compute_value(raw_value, address)
        if value is not None and not _CPU_MODEL.match(value):
            raise InvalidFieldException(
                f"The `cpu` field of {address} ({value!r}) is not a qemu CPU model name: letters, "
                "digits, '.', '_' and '-' only, as `qemu-x86_64-static -cpu help` lists them."
            )
        return value


class GoStaticSmokeTestTarget(Target):
    alias = "go_static_smoke_test"
    core_fields = (
        *COMMON_TARGET_FIELDS,
        SmokeBinaryField,
        SmokeArgsField,
        SmokeExpectedStdoutField,
        SmokeExpectedStderrField,
        SmokeExpectedExitCodeField,
        SmokeTimeoutField,
        SmokeEnvField,
        SmokeDependenciesField,
        SmokeCpuField,
    )
    help = help_text(
        """
        Run a go_static_binary alone in an empty root, and check its stdout and exit code.

        The root holds only the binary (plus qemu-user for a foreign arch) with /proc and /dev,
        as a FROM scratch container does: no /etc, /lib, /usr, shell or network. A hidden
        dependency on the host fails here. `pants test` runs it; results are cached like any
        test. Needs bubblewrap (Debian `bubblewrap`) and, for foreign arches, Debian's
        `qemu-user-static`.
        """
    )
