#!/usr/bin/env bash
# Installs the system packages the tests need, from Debian's repositories only. Idempotent and quiet
# when everything is there already.
set -euo pipefail
need=()
[ -x /usr/bin/python3 ] || need+=(python3)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null || need+=(openssh-client)
command -v sudo >/dev/null || need+=(sudo)
# pyflakes checks of the remote helpers (npm test's "lint (python)" step).
[ -x /usr/bin/flake8 ] || need+=(flake8)
# execnet runs the bench's Python workloads in test/integration/remote (and is the bench's peer).
/usr/bin/python3 -c 'import execnet' 2>/dev/null || need+=(python3-execnet)
# pandas and numpy: the variables explorer and the data viewer are tested on DataFrames and arrays.
/usr/bin/python3 -c 'import pandas, numpy' 2>/dev/null || need+=(python3-pandas python3-numpy)
# Real engines for the prefix transports: a single-node Slurm (srun=), podman serving the Docker API
# (docker=, podman=); the tests start and stop their daemons themselves, in a temp folder.
command -v srun >/dev/null && command -v slurmctld >/dev/null && command -v slurmd >/dev/null || need+=(slurm-wlm)
command -v munged >/dev/null || need+=(munge)
command -v podman >/dev/null || need+=(podman)
# runc: crun (podman's default) refuses the hybrid cgroup layout of many CI hosts and containers.
command -v runc >/dev/null || need+=(runc)
# The docker CLI drives podman's Docker API in the tests; Debian ships it in docker.io (its daemon stays off).
command -v docker >/dev/null || need+=(docker.io)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "missing Debian packages: ${need[*]} (run as root, or install them)" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
# R for the repl= gateway tests: about 10 s to install without recommends (it is skipped when absent).
if [ ! -x /usr/bin/R ] && [ "$(id -u)" = 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends r-base-core >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq --no-install-recommends r-base-core >/dev/null; } || echo "r-base-core not installed: the R repl test will be skipped" >&2
fi
echo "test dependencies present"
