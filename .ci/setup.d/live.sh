#!/usr/bin/env bash
# kubectl for tests/test_k8s_live_collect.py::test_kubectl_reads_the_same_server (skipped when absent).
set -euo pipefail
if ! command -v kubectl >/dev/null 2>&1; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends kubernetes-client
fi
