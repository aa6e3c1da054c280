#!/bin/bash
# cmocka 1.1.5 prints a skipped test as "not ok N # SKIP name", which
# automake's tap-driver.sh counts as a failure (later cmocka releases print
# "ok N # SKIP"). Rewrite that one form and keep the test's exit status.
"$@" | sed -u -e 's/^not ok \([0-9][0-9]*\) # SKIP/ok \1 # SKIP/'
exit "${PIPESTATUS[0]}"
